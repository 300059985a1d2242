// Test helper: keeps request bursts inside one one-minute rate-limit window.

/** Waits out the last seconds of a one-minute rate-limit window, so a burst stays in one window. */
export async function awayFromWindowEdge(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
