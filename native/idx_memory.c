/*
 * idx_memory: asks Linux for transparent huge pages on a WebAssembly
 * memory (the embedded database's heap, src/infra/db/huge-pages.ts).
 *
 * On this project's VMs a 4 KiB page fault costs ~11 µs; PostgreSQL touches
 * tens of megabytes of its heap (shared buffers, caches) as it opens, one
 * fault per page. With THP in `madvise` mode (the common default) a region
 * advised MADV_HUGEPAGE is faulted in 2 MiB at a time instead.
 *
 *   adviseHugePages(buffer: ArrayBuffer, bytes: number): number
 *     advises [start of buffer, start + bytes) (rounded inward to pages; the
 *     range may run past the buffer's current length into the memory's
 *     reservation, so that it covers what the memory grows into); returns 0,
 *     or the errno of madvise (or ENOSYS where there is no MADV_HUGEPAGE).
 */
#include <node_api.h>
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/mman.h>

static napi_value AdviseHugePages(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_value out;
  void *data = NULL;
  size_t length = 0;
  double bytes = 0;
  int result = ENOSYS;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_arraybuffer_info(env, argv[0], &data, &length) != napi_ok ||
      napi_get_value_double(env, argv[1], &bytes) != napi_ok || data == NULL || bytes <= 0) {
    napi_throw_type_error(env, NULL, "adviseHugePages(buffer: ArrayBuffer, bytes: number)");
    return NULL;
  }
#ifdef MADV_HUGEPAGE
  {
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = ((uintptr_t)data + page - 1) & ~(page - 1);
    uintptr_t end = ((uintptr_t)data + (uintptr_t)bytes) & ~(page - 1);
    result = end > start && madvise((void *)start, end - start, MADV_HUGEPAGE) != 0 ? errno : 0;
  }
#endif
  napi_create_int32(env, result, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "adviseHugePages", NAPI_AUTO_LENGTH, AdviseHugePages, NULL, &fn);
  napi_set_named_property(env, exports, "adviseHugePages", fn);
  return exports;
}
