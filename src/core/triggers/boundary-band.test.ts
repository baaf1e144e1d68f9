import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundaryBand } from './boundary-band.js';
import { Int32List } from './heap.js';

type Op =
  | { kind: 'insert'; key: number; id: number }
  | { kind: 'delete'; key: number; id: number }
  | { kind: 'rekey'; pick: number; to: number; id: number }
  | { kind: 'range'; lo: number; hi: number }
  | { kind: 'move'; to: number };

/** Pairs sorted by key, then id. */
function sortedPairs(pairs: [number, number][]): [number, number][] {
  return [...pairs].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

function listed(out: Int32List): number[] {
  return Array.from(out.data.subarray(0, out.length));
}

describe('BoundaryBand', () => {
  it('a cursor move inside the gap between its nearest keys lists nothing; a key put into the gap is found', () => {
    const band = new BoundaryBand(4);
    for (let k = 0; k < 40; k += 4) band.insert(k, k);
    band.setCursor(10);
    const out = new Int32List();
    band.moveCursor(11, out); // the gap (8, 12) is found, and holds no key
    band.moveCursor(9, out);
    expect(out.length).toBe(0);
    band.insert(11, 99); // into the known gap: its upper end now
    band.moveCursor(11.5, out);
    expect(listed(out)).toEqual([99]);
    out.clear();
    band.moveCursor(12, out);
    expect(listed(out)).toEqual([12]);
    out.clear();
    band.delete(12, 12); // the key at the cursor goes: a move next to it lists nothing
    band.moveCursor(12.5, out);
    expect(out.length).toBe(0);
    band.checkInvariants();
  });

  it('lists the ids of a key range in key order, both ends included', () => {
    const band = new BoundaryBand();
    for (const [key, id] of [
      [30, 3],
      [10, 1],
      [20, 2],
      [20, 4],
      [40, 5],
    ] as const)
      band.insert(key, id);
    const out = new Int32List();
    band.range(20, 30, out);
    expect(listed(out).slice(0, 2).sort()).toEqual([2, 4]);
    expect(listed(out)[2]).toBe(3);
    out.clear();
    band.range(41, 100, out);
    expect(out.length).toBe(0);
    band.checkInvariants();
  });

  it('deletes one pair of a key and id, and reports a pair it does not hold', () => {
    const band = new BoundaryBand();
    band.insert(5, 1);
    band.insert(5, 1);
    band.insert(5, 2);
    expect(band.delete(5, 1)).toBe(true);
    expect(band.size).toBe(2);
    expect(band.delete(5, 3)).toBe(false);
    expect(band.delete(6, 1)).toBe(false);
    const out = new Int32List();
    band.all(out);
    expect(listed(out).sort()).toEqual([1, 2]);
    band.checkInvariants();
  });

  it('splits and merges blocks across thousands of pairs, with runs of equal keys wider than a block', () => {
    const band = new BoundaryBand();
    const pairs: [number, number][] = [];
    for (let i = 0; i < 3000; i++) {
      const key = i < 1000 ? 7 : (i * 7919) % 1000; // 1,000 equal keys, then a shuffled spread
      band.insert(key, i);
      pairs.push([key, i]);
    }
    band.checkInvariants();
    for (let i = 0; i < 3000; i += 2) expect(band.delete(pairs[i]![0], i)).toBe(true);
    band.checkInvariants();
    const out = new Int32List();
    band.range(7, 7, out);
    expect(out.length).toBe(pairs.filter(([k, id]) => k === 7 && id % 2 === 1).length);
    out.clear();
    band.all(out);
    expect(out.length).toBe(1500);
  });

  it('a bulk load of pairs in any order is the band n inserts make, then takes inserts and deletes as ever', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(4, 5, 256),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 2 ** 20 }), fc.constantFrom(0, 7, 2 ** 40 + 3, 2 ** 52 + 1), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { maxLength: 700 }),
        (block, keyList) => {
          const band = new BoundaryBand(block);
          const keys = Float64Array.from(keyList);
          const ids = Int32Array.from(keyList.map((_, i) => i));
          band.load(keys, ids, keys.length);
          band.checkInvariants();
          const out = new Int32List();
          band.all(out);
          const expected = keyList.map((k, i) => [k, i] as [number, number]).sort((a, b) => a[0] - b[0]);
          // Key order; ids of equal keys in any order.
          expect(listed(out).map((id) => keyList[id])).toEqual(expected.map(([k]) => k));
          expect(listed(out).sort((a, b) => a - b)).toEqual(expected.map(([, id]) => id).sort((a, b) => a - b));
          band.insert(5, -1);
          if (keyList.length > 0) expect(band.delete(keyList[0] as number, 0)).toBe(true);
          band.checkInvariants();
        },
      ),
      { numRuns: 200, seed: 20261203 },
    );
  });

  it('staged pairs are settled before anything reads the band: loaded into an empty band, inserted into a full one', () => {
    const band = new BoundaryBand(4);
    for (const [key, id] of [[30, 1], [10, 2], [20, 3]] as const) band.stage(key, id);
    expect(band.size).toBe(3);
    const out = new Int32List();
    band.range(10, 20, out); // settles: a load
    expect(listed(out)).toEqual([2, 3]);
    band.stage(15, 4); // into a band that holds pairs: inserted when settled
    expect(band.delete(15, 4)).toBe(true); // a delete settles first
    band.stage(25, 5);
    band.settle();
    out.clear();
    band.all(out);
    expect(listed(out)).toEqual([2, 3, 5, 1]);
    band.checkInvariants();
  });

  it('a reservation changes nothing but capacity: the same pairs in the same order, fewer or more staged than reserved', () => {
    const pair = fc.tuple(fc.integer({ min: -50, max: 50 }), fc.nat(1000));
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 120 }), fc.nat(200), fc.boolean(), (pairs, reserved, emptySettleFirst) => {
        const plain = new BoundaryBand(4);
        const ahead = new BoundaryBand(4);
        ahead.reserve(reserved);
        // A restore's constructors settle their still empty bands before the bulk build stages anything.
        if (emptySettleFirst) ahead.settle();
        for (const [key, id] of pairs) {
          plain.stage(key, id);
          ahead.stage(key, id);
        }
        plain.settle();
        ahead.settle();
        const [a, b] = [new Int32List(), new Int32List()];
        plain.all(a);
        ahead.all(b);
        expect(listed(b)).toEqual(listed(a));
        expect(ahead.size).toBe(pairs.length);
        ahead.checkInvariants();
        // And it goes on as a band: pairs staged again (inserted into it), an insert and a delete.
        for (const band of [plain, ahead]) {
          for (const [key, id] of pairs.slice(0, 5)) band.stage(key + 1, id);
          band.settle();
          band.insert(7, 1001);
          expect(band.delete(7, 1001)).toBe(true);
        }
        a.clear();
        b.clear();
        plain.all(a);
        ahead.all(b);
        expect(listed(b)).toEqual(listed(a));
        ahead.checkInvariants();
      }),
      { numRuns: 200, seed: 20261205 },
    );
  });

  it('agrees with a sorted array under any sequence of inserts, deletes, re-keys and ranges', () => {
    const key = fc.integer({ min: -40, max: 40 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('insert' as const), key, id: fc.nat(30) }) },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('delete' as const), key, id: fc.nat(30) }) },
      // Mostly a pair the band holds (pick: which), else a random key and id (almost always none: false).
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('rekey' as const), pick: fc.integer({ min: -1, max: 1000 }), to: key, id: fc.nat(30) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('range' as const), lo: key, hi: key }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('move' as const), to: key }) },
    );
    fc.assert(
      fc.property(fc.constantFrom(4, 5, 8, 64), fc.array(op, { maxLength: 600 }), (block, ops) => {
        const band = new BoundaryBand(block);
        let model: [number, number][] = [];
        const out = new Int32List();
        for (const o of ops) {
          if (o.kind === 'insert') {
            band.insert(o.key, o.id);
            model.push([o.key, o.id]);
          } else if (o.kind === 'delete') {
            const at = model.findIndex(([k, id]) => k === o.key && id === o.id);
            expect(band.delete(o.key, o.id)).toBe(at >= 0);
            if (at >= 0) model = [...model.slice(0, at), ...model.slice(at + 1)];
          } else if (o.kind === 'rekey') {
            const [k, id] = o.pick >= 0 && model.length > 0 ? (model[o.pick % model.length] as [number, number]) : [o.to + 1, o.id];
            const at = model.findIndex((pair) => pair[0] === k && pair[1] === id);
            expect(band.rekey(k, o.to, id)).toBe(at >= 0);
            if (at >= 0) model[at] = [o.to, id];
          } else if (o.kind === 'move') {
            // The ids between the old cursor and the new one, both included: the gap may skip the search, never a key.
            const from = band.cursor;
            out.clear();
            band.moveCursor(o.to, out);
            expect(band.cursor).toBe(o.to);
            const [lo, hi] = from < o.to ? [from, o.to] : [o.to, from];
            const expected = Number.isNaN(from) || from === o.to ? [] : model.filter(([k]) => k >= lo && k <= hi);
            expect(listed(out).sort((a, b) => a - b)).toEqual(expected.map(([, id]) => id).sort((a, b) => a - b));
          } else {
            out.clear();
            band.range(o.lo, o.hi, out);
            const expected = sortedPairs(model.filter(([k]) => k >= o.lo && k <= o.hi));
            // Key order, ties in any order: compare the ids per key.
            const got = listed(out);
            expect(got.length).toBe(expected.length);
            expect([...got].sort((a, b) => a - b)).toEqual(expected.map(([, id]) => id).sort((a, b) => a - b));
          }
          expect(band.size).toBe(model.length);
          band.checkInvariants();
        }
        out.clear();
        band.all(out);
        expect(listed(out).sort((a, b) => a - b)).toEqual(model.map(([, id]) => id).sort((a, b) => a - b));
      }),
      { numRuns: 300, seed: 20261203 },
    );
  });
});
