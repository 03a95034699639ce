import { randomHex32 } from './random.js';

/** Single-use `auth=` tickets a node accepts from redirected clients. */
export class TicketStore {
  private readonly tickets = new Set<string>();

  /** Issues a ticket this node will honour once. */
  issue(): string {
    if (this.tickets.size >= 10_000) {
      const oldest = this.tickets.values().next().value;
      if (oldest !== undefined) this.tickets.delete(oldest);
    }
    const ticket = randomHex32();
    this.tickets.add(ticket);
    return ticket;
  }

  /** Accepts a ticket once; unknown or reused tickets are refused. */
  consume(ticket: string | undefined): boolean {
    if (ticket === undefined) return false;
    return this.tickets.delete(ticket.toLowerCase());
  }
}
