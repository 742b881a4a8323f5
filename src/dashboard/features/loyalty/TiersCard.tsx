import type { ProgrammeSettings, Tier, TierSettings } from '../../../contracts/loyalty.js';
import { Card } from '../../components/layout.js';
import { SelectField, TextField } from '../journeys/fields.js';
import { Check, errs, type Errors } from './fields.js';
import { benefitValue, defaultTiers, newTier, num, shown } from './programme-form.js';

/** A tier's benefits as key = value rows. */
function Benefits({ tier, set, label }: { tier: Tier; set: (b: Tier['benefits']) => void; label: string }) {
  const rows = Object.entries(tier.benefits ?? {});
  const put = (i: number, k: string, v: string | number | boolean) => set(Object.fromEntries(rows.map(([rk, rv], j) => (j === i ? [k, v] : [rk, rv]))));
  return (
    <fieldset className="loy-benefits">
      <legend>{label}</legend>
      {rows.map(([k, v], i) => (
        <div className="row" key={i}>
          <input aria-label={`${label}: name ${i + 1}`} value={k} onChange={(e) => put(i, e.target.value, v)} />
          <input aria-label={`${label}: value ${i + 1}`} value={String(v)} onChange={(e) => put(i, k, benefitValue(e.target.value))} />
          <button type="button" className="btn btn-small btn-ghost" onClick={() => set(Object.fromEntries(rows.filter((_, j) => j !== i)))}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" className="btn btn-small" onClick={() => set({ ...tier.benefits, [`benefit_${rows.length + 1}`]: true })}>
        + Benefit
      </button>
    </fieldset>
  );
}

/** Tiers: the measure, term and downgrade, and each tier's entry, retain, multiplier and benefits. */
export function TiersCard({ d, set, errors }: { d: ProgrammeSettings; set: (p: Partial<ProgrammeSettings>) => void; errors: Errors }) {
  const t = d.tiers;
  const e = (p: string) => errs(errors, `tiers.${p}`);
  const setT = (p: Partial<TierSettings>) => t && set({ tiers: { ...t, ...p } });
  const setTier = (i: number, p: Partial<Tier>) => t && setT({ tiers: t.tiers.map((x, k) => (k === i ? { ...x, ...p } : x)) });
  return (
    <Card title="Tiers">
      <Check label="Members move through tiers" checked={t !== undefined} onChange={(on) => set({ tiers: on ? defaultTiers() : undefined })} />
      {t ? (
        <div className="stack">
          <div className="loy-grid3">
            <SelectField
              label="Qualify on"
              value={t.measure}
              options={[
                { value: 'points', label: 'Points earned in the term' },
                { value: 'spend', label: 'Spend in the term' },
              ]}
              onChange={(v) => setT({ measure: v as TierSettings['measure'] })}
            />
            <SelectField
              label="Term"
              value={t.term}
              options={[
                { value: 'calendar_year', label: 'Calendar year' },
                { value: 'rolling_12m', label: 'Rolling 12 months' },
                { value: 'lifetime', label: 'Lifetime' },
                { value: 'anniversary', label: 'Membership anniversary' },
              ]}
              onChange={(v) => setT({ term: v as TierSettings['term'] })}
            />
            <SelectField
              label="At review, below retain"
              value={t.downgrade}
              options={[
                { value: 'one_step', label: 'Go down one tier' },
                { value: 'recalculate', label: 'Go to the tier earned' },
              ]}
              onChange={(v) => setT({ downgrade: v as TierSettings['downgrade'] })}
            />
          </div>
          {e('tiers').length ? <p className="form-error">{e('tiers')[0]}</p> : null}
          <ol className="loy-tiers" aria-label="Tiers, lowest first">
            {t.tiers.map((tier, i) => {
              const label = tier.name || `Tier ${i + 1}`;
              return (
                <li key={i} className="loy-tier" data-tier={tier.key}>
                  <div className="loy-grid5">
                    <TextField label={`Tier ${i + 1} name`} value={tier.name} errors={e(`tiers.${i}.name`)} onChange={(name) => setTier(i, { name })} />
                    <TextField label={`Tier ${i + 1} key`} value={tier.key} errors={e(`tiers.${i}.key`)} onChange={(key) => setTier(i, { key })} />
                    <TextField label={`Tier ${i + 1} entry`} type="number" value={shown(tier.entry)} errors={e(`tiers.${i}.entry`)} onChange={(v) => setTier(i, { entry: num(v) })} />
                    <TextField label={`Tier ${i + 1} retain`} type="number" value={shown(tier.retain)} errors={e(`tiers.${i}.retain`)} onChange={(v) => setTier(i, { retain: num(v) })} />
                    <TextField
                      label={`Tier ${i + 1} multiplier`}
                      type="number"
                      value={shown(tier.multiplier)}
                      errors={e(`tiers.${i}.multiplier`)}
                      onChange={(v) => setTier(i, { multiplier: num(v) })}
                    />
                  </div>
                  <div className="row loy-tier-foot">
                    <Benefits tier={tier} label={`${label} benefits`} set={(benefits) => setTier(i, { benefits })} />
                    {t.tiers.length > 1 ? (
                      <button type="button" className="btn btn-small btn-ghost" onClick={() => setT({ tiers: t.tiers.filter((_, k) => k !== i) })}>
                        Remove {label}
                      </button>
                    ) : null}
                  </div>
                </li>
              );
            })}
          </ol>
          <div>
            <button type="button" className="btn btn-small" onClick={() => setT({ tiers: [...t.tiers, newTier(t.tiers)] })}>
              + Tier
            </button>
          </div>
          <small className="muted">Lowest first; the first tier’s entry is 0. Members go up as soon as they reach a tier’s entry, and keep it at review with at least its retain.</small>
        </div>
      ) : null}
    </Card>
  );
}
