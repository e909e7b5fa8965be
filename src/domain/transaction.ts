/** A payment as a block commits to it. */
export interface TxRecord {
  readonly txId: string;
  readonly senderIdx: string;
  readonly receiverIdx: string;
  readonly amount: bigint;
  readonly feeTotal: bigint;
  readonly feeMiner: bigint;
  readonly feeBanks: bigint;
}

const utf8 = new TextEncoder();

/**
 * Canonical bytes of a payment (the merkle leaf): UTF-8 of its fields joined
 * by '|', amounts in decimal paise:
 *   `${txId}|${senderIdx}|${receiverIdx}|${amount}|${feeTotal}|${feeMiner}|${feeBanks}`
 * Well-formed ids (TX_ID_RE, USER_IDX_RE) never contain '|', so distinct
 * payments have distinct leaves.
 */
export function txLeaf(tx: TxRecord): Uint8Array {
  return utf8.encode(`${tx.txId}|${tx.senderIdx}|${tx.receiverIdx}|${tx.amount}|${tx.feeTotal}|${tx.feeMiner}|${tx.feeBanks}`);
}
