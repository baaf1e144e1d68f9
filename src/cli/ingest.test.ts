// Which journaled records recovery hands to the units' learner (mayTeachUnits): never one that declares units.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Command } from '../core/engine/commands.js';
import { entryBody } from '../journal/record.js';
import { parseScenario, parseScenarioText } from '../scenario/load.js';
import { declaredUnits, UNIT_DECLARING_KINDS } from '../wire/decode.js';
import type { RecoveryReport } from '../journal/durable.js';
import { mayTeachUnits, recoveryTimes } from './ingest.js';

const example = (name: string): readonly Command[] =>
  parseScenarioText(readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8'), name).commands;

const comet = parseScenario({
  settlement: { asset: 'USDT', decimals: 6 },
  startAt: 1_700_000_000_000,
  commands: [
    {
      kind: 'comet_market', market: 'cusdc', baseAsset: 'USDC', baseDecimals: 6, basePrice: '1', baseBorrowMin: '1', storeFrontPriceFactor: '0.5',
      collaterals: [{ asset: 'COMP', decimals: 18, price: '1', borrowCollateralFactor: '0.8', liquidateCollateralFactor: '0.85', liquidationFactor: '0.8', supplyCap: '1000000' }],
    },
    { kind: 'comet_supply', market: 'cusdc', user: 'bob', asset: 'COMP', amount: '60' },
  ],
}).commands;

function declares(cmd: Command): boolean {
  let any = false;
  declaredUnits(cmd, () => (any = true), () => (any = true));
  return any;
}

describe('mayTeachUnits', () => {
  const commands = [...example('wbeth-depeg.json'), ...example('aave-lending.json'), ...example('crash-liquidations.json'), ...comet];

  it('passes every record whose command declares units, of every kind that does', () => {
    const declaring = commands.filter(declares);
    expect(new Set(declaring.map((c) => c.kind))).toEqual(new Set(UNIT_DECLARING_KINDS));
    for (const cmd of declaring) expect(mayTeachUnits(Buffer.from(entryBody(cmd, [])))).toBe(true);
  });

  it('passes over price ticks and the other commands that have no underscore or no declaring kind in their bytes', () => {
    const prices = commands.filter((c) => c.kind === 'price');
    expect(prices.length).toBeGreaterThan(0);
    for (const cmd of prices) expect(mayTeachUnits(Buffer.from(entryBody(cmd, [])))).toBe(false);
    // An underscore alone (a market id) is not enough.
    expect(mayTeachUnits(Buffer.from('{"command":{"kind":"price","mark":{"$n":"1"},"market":"BTC_PERP","tsMs":1},"events":[]}'))).toBe(false);
    const deposits = commands.filter((c) => c.kind === 'deposit');
    expect(deposits.length).toBeGreaterThan(0);
    for (const cmd of deposits) expect(mayTeachUnits(Buffer.from(entryBody(cmd, [])))).toBe(false);
  });
});

describe('recoveryTimes', () => {
  const report = (boundaryThread: RecoveryReport['timings']['boundaryThread'], callsResumeMs = 0, callsReadAhead = 0): RecoveryReport =>
    ({ created: false, timings: { restoreMs: 5_830, replayMs: 2_260, callsResumeMs, checkWaitMs: 50, checkWorkerMs: 1_800, callsReadAhead, boundaryThread } }) as unknown as RecoveryReport;

  it('says how long recovery took and where, and how many boundaries its second thread searched', () => {
    expect(recoveryTimes(report(null))).toBe('recovery took 8.1 s (snapshot and restore 5.8 s, replay 2.3 s)');
    expect(recoveryTimes(report({ submitted: 719_764, used: 1_439_522, late: 6 }))).toBe(
      'recovery took 8.1 s (snapshot and restore 5.8 s, replay 2.3 s; 1,439,522 exact boundaries searched ahead on a second thread)',
    );
    expect(recoveryTimes(report(null, 84))).toBe('recovery took 8.1 s (snapshot and restore 5.8 s, replay 2.3 s, margin calls from the records, their index caught up in 0.1 s)');
    expect(recoveryTimes(report(null, 84, 912_000))).toBe(
      'recovery took 8.1 s (snapshot and restore 5.8 s, replay 2.3 s, margin calls from the records (those of 912,000 records read ahead by the check thread), their index caught up in 0.1 s)',
    );
    expect(recoveryTimes({ created: true } as RecoveryReport)).toBe('');
  });
});
