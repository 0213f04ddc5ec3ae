/**
 * Lets the importer read and parse the next batch while the database writes the previous
 * one, without ever running two writes at once: writes start in the order they were
 * pushed, each after the one before it has finished. At most one write is in flight, so
 * memory stays at two batches.
 */
export class WriteQueue {
  private inFlight: Promise<void> = Promise.resolve();

  /** Waits for the previous write, then starts `write` and returns without waiting for it. */
  async push(write: () => Promise<void>): Promise<void> {
    await this.inFlight;
    const started = write();
    // Marked handled now so a failure while the caller is still reading is not reported
    // as unhandled; the caller sees it at the next push() or drain().
    started.catch(() => {});
    this.inFlight = started;
  }

  /** Resolves when every pushed write has finished; rejects with the first failure. */
  async drain(): Promise<void> {
    await this.inFlight;
  }
}
