/**
 * Local mode's stand-in for EventBridge Scheduler: a tick at every multiple of the
 * interval (aligned like `rate(1 minute)`), each passing its scheduled time, plus one tick
 * at start-up so a fresh start shows data at once. A tick that comes while the previous
 * cycle still runs is skipped (and reported), as an Express execution would overlap
 * harmlessly in AWS but would only compete for the same work here.
 */
export interface Schedule {
  stop(): Promise<void>;
}

export function startSchedule(options: {
  intervalMs: number;
  run: (scheduledTime: Date) => Promise<void>;
  onSkip?: (scheduledTime: Date) => void;
  now?: () => number;
}): Schedule {
  const now = options.now ?? Date.now;
  const { intervalMs } = options;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const fire = (scheduled: Date) => {
    if (running) {
      options.onSkip?.(scheduled);
      return;
    }
    running = options.run(scheduled).finally(() => {
      running = undefined;
    });
  };
  const arm = () => {
    if (stopped) return;
    const next = (Math.floor(now() / intervalMs) + 1) * intervalMs;
    timer = setTimeout(() => {
      fire(new Date(next));
      arm();
    }, next - now());
  };

  fire(new Date(Math.floor(now() / intervalMs) * intervalMs));
  arm();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
