/** A tiny typed event fan-out for hashers. */
export class Emitter {
  private readonly handlers = new Map<string, Array<(x: never) => void>>();
  on(event: string, cb: (x: never) => void): void {
    const list = this.handlers.get(event) ?? [];
    list.push(cb);
    this.handlers.set(event, list);
  }
  emit(event: string, x: unknown): void {
    for (const cb of this.handlers.get(event) ?? []) cb(x as never);
  }
}
