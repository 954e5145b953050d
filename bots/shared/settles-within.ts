/**
 * Whether `work` settles (resolves or rejects) within `ms`. The timer is cleared either way and
 * never keeps the process alive: a bounded wait must not delay an exit.
 */
export function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    const settled = () => {
      clearTimeout(timer);
      resolve(true);
    };
    work.then(settled, settled);
  });
}
