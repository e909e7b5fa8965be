{
  "targets": [
    {
      "target_name": "idx_sha256",
      "sources": ["native/idx_sha256.c"],
      "cflags": ["-O3", "-fno-strict-aliasing"],
      "defines": ["NAPI_VERSION=8"]
    },
    {
      "target_name": "idx_memory",
      "sources": ["native/idx_memory.c"],
      "cflags": ["-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
