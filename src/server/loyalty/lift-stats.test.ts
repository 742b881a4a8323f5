import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchOneToOne, meanDiff, proportionDiff, spendBand } from './lift-stats.js';

const near = (a: number | null, b: number, eps = 1e-4) => assert.ok(a !== null && Math.abs(a - b) < eps, `${a} ≠ ${b}`);

describe('lift statistics (hand-computed)', () => {
  it('retention: 24/40 members against 16/40 → +20 points, 95% interval [−1.5, 41.5]', () => {
    // p1 = .6, p2 = .4; SE = √(.6×.4/40 + .4×.6/40) = √(.006 + .006) = √.012 = 0.109545;
    // 1.959964 × 0.109545 = 0.214704 → .2 ± .2147 = [−0.0147, 0.4147].
    const r = proportionDiff(24, 40, 16, 40);
    near(r.diff, 0.2);
    near(r.low, -0.014704);
    near(r.high, 0.414704);
  });

  it('CLV: Welch standard error for two means', () => {
    // Members: 24 × 50 and 16 × 0 → mean 30; Σ(x − 30)² = 24×400 + 16×900 = 24,000; s² = 24,000/39 = 615.3846.
    // Others: 16 × 50 and 24 × 0 → mean 20; Σ(x − 20)² = 16×900 + 24×400 = 24,000; s² = 615.3846.
    // SE = √(615.3846/40 × 2) = √30.76923 = 5.547002; ± 1.959964 × 5.547002 = ± 10.871924 → 10 ± 10.8719.
    const a = [...Array(24).fill(50), ...Array(16).fill(0)];
    const b = [...Array(16).fill(50), ...Array(24).fill(0)];
    const r = meanDiff(a, b);
    near(r.diff, 10);
    near(r.low, -0.871924);
    near(r.high, 20.871924);
  });

  it('an empty group gives no difference', () => {
    assert.deepEqual(proportionDiff(0, 0, 3, 10), { diff: null, low: null, high: null });
    assert.deepEqual(meanDiff([], [1]), { diff: null, low: null, high: null });
  });

  it('spend bands', () => {
    assert.deepEqual([0, -5, 0.01, 99.99, 100, 499, 500, 1999, 2000].map(spendBand), ['none', 'none', '<100', '<100', '100-500', '100-500', '500-2000', '500-2000', '2000+']);
  });

  it('matches 1:1 within (stage, spend band), without replacement', () => {
    // Cell active|none: members 1, 2, 3 — others 11, 12 → 2 pairs. Cell active|<100: member 4 — others 13, 14 → 1 pair.
    // Cell lapsed|none: other 15 has no member. Member 5 (new|2000+) has no other. → 3 and 3.
    const m = matchOneToOne(
      [
        { id: 1, stage: 'active', spend: 0 },
        { id: 2, stage: 'active', spend: 0 },
        { id: 3, stage: 'active', spend: 0 },
        { id: 4, stage: 'active', spend: 40 },
        { id: 5, stage: 'new', spend: 5000 },
      ],
      [
        { id: 11, stage: 'active', spend: 0 },
        { id: 12, stage: 'active', spend: 0 },
        { id: 13, stage: 'active', spend: 10 },
        { id: 14, stage: 'active', spend: 99 },
        { id: 15, stage: 'lapsed', spend: 0 },
      ],
    );
    assert.equal(m.members.length, 3);
    assert.equal(m.others.length, 3);
    assert.ok(!m.members.includes(5));
    assert.ok(m.members.includes(4));
    assert.ok(!m.others.includes(15));
    assert.deepEqual(m.others.filter((id) => id === 11 || id === 12).sort(), [11, 12]);
    // The same input gives the same pairs.
    assert.deepEqual(
      matchOneToOne(
        [
          { id: 1, stage: 'a', spend: 0 },
          { id: 2, stage: 'a', spend: 0 },
        ],
        [{ id: 9, stage: 'a', spend: 0 }],
      ).members.length,
      1,
    );
  });
});
