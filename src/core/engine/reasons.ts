// Rejection reasons: stable codes, numbered in the table of codes (core/codes.ts), never renamed or reused.
// A rejected command changes nothing; the CommandRejected event carries the code, the field and a message.

import { codeNames, type CodeName } from '../codes.js';
import type { LendingReason } from '../lending/result.js'; // lending markets (issue 18)

/** CommandRejected.reason: the `rejection` vocabulary of the table of codes (core/codes.ts, docs/codes.md). */
export type RejectionReason = CodeName<'rejection'>;

/** Every live rejection reason, in table order. */
export const REJECTION_REASONS: readonly RejectionReason[] = codeNames('rejection');

/** A rejection before any mutation: the reason code, the offending field's path, and a sentence for people. */
export interface Rejection {
  readonly reason: RejectionReason;
  readonly field: string;
  readonly message: string;
}

export function reject(reason: RejectionReason, field: string, message: string): Rejection {
  return { reason, field, message };
}

// ---- auctions in the engine (issue 18 part B): the auction house's own refusals travel as CommandRejected.reason ----
/** The codes of the auction house (core/auctions) and of its dispatch in the engine (core/engine/auctions.ts). */
export type AuctionRejectionReason = CodeName<'auction'> | CodeName<'sealed_bid'> | CodeName<'auction_engine'>;
/** CommandRejected.reason: the engine's own vocabulary and the modules' it dispatches to. */
export type CommandRejectionReason = RejectionReason | AuctionRejectionReason | LendingReason;
/** A refusal of a command dispatched to a module with codes of its own (the engine's `Rejection` widened). */
export interface CommandRejection {
  readonly reason: CommandRejectionReason;
  readonly field: string;
  readonly message: string;
}

// ---- lending markets (issue 18) ----

/** A lending command's own refusal: a code of the `lending` vocabulary (the venue's error it mirrors). */
export interface LendingRejection {
  readonly reason: LendingReason;
  readonly field: string;
  readonly message: string;
}

/** What a command handler may refuse with: the engine's rejection vocabulary, or a module's own code. */
export type Refusal = Rejection | CommandRejection;
