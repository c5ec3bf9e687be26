/**
 * A job that looks every `everyMs` (and once at start) whether it has something to do, one look at a time. Tests
 * never wait on time: `nextLook()` resolves with what the next look beginning after the call did — a look under way
 * now began before it. A look that throws resolves its waiters with `onFault`'s answer.
 */
export interface Periodic<T> {
  stop(): void;
  nextLook(): Promise<T>;
}

export function startPeriodic<T>(everyMs: number, look: () => Promise<T>, onFault: (error: Error) => T): Periodic<T> {
  let running = false;
  let looks = 0;
  const waiters: { after: number; resolve: (result: T) => void }[] = [];
  const tick = async () => {
    if (running) return;
    running = true;
    const number = ++looks;
    let result: T;
    try {
      result = await look();
    } catch (e) {
      result = onFault(e as Error);
    } finally {
      running = false;
    }
    for (const w of [...waiters]) {
      if (number <= w.after) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(result);
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  void tick();
  return {
    stop: () => clearInterval(timer),
    nextLook: () => new Promise((resolve) => waiters.push({ after: looks, resolve })),
  };
}
