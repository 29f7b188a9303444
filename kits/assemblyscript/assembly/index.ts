// The four ABI v1 exports (docs/abi.md, section 1). This file is glue only:
// messages in, orders out. The strategy is in bot.ts, the codec in wire.ts.

import { Bot } from "./bot";
import { log } from "./log";
import {
  decodeMatchInfo,
  decodeObservation,
  encodeOrders,
  Observation,
  Orders,
  Reader,
  Writer,
} from "./wire";


/** Messages are far smaller than this; a bigger `len` gets an out-of-bounds pointer. */
const MAX_MESSAGE: i32 = 16 << 20;

/** The host writes each message here (grown when a message does not fit). */
let input = new ArrayBuffer(4096);
let bot: Bot | null = null;
const observation = new Observation();
const orders = new Orders();
const output = new Writer();
const reader = new Reader(0, 0);

/** ABI version 1, encoding 0 (postcard). */
export function lockstep_abi(): i32 {
  return (1 << 8) | 0;
}

export function lockstep_alloc(len: i32): i32 {
  if (len < 0 || len > MAX_MESSAGE) return -1; // the host reports bad_alloc
  if (len > input.byteLength) input = new ArrayBuffer(len);
  return i32(changetype<usize>(input));
}

export function lockstep_init(ptr: i32, len: i32): i32 {
  reader.reset(usize(ptr), usize(len));
  const info = decodeMatchInfo(reader);
  if (info === null) {
    log("lockstep_init: undecodable MatchInfo: " + reader.error!);
    return 1;
  }
  bot = new Bot(info);
  __collect(); // the MatchInfo is garbage now
  return 0;
}

export function lockstep_tick(ptr: i32, len: i32): i64 {
  orders.clear();
  reader.reset(usize(ptr), usize(len));
  if (!decodeObservation(reader, observation)) {
    log("lockstep_tick: undecodable Observation: " + reader.error!);
  } else if (bot !== null) {
    bot!.tick(observation, orders);
  }
  encodeOrders(orders, output);
  // The minimal runtime collects garbage only when asked, and only safely when
  // no object is referenced from the stack alone: here, at the end of the
  // call, everything live hangs off a global. This bot makes no garbage per
  // tick, so the collection is cheap; it is here for the code you add.
  __collect();
  return (i64(output.ptr()) << 32) | i64(output.len);
}
