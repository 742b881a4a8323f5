import { Fragment, useEffect, useState } from 'react';
import { DEFAULT_FRAUD_ACTIONS, FraudSignal, ReferralSettingsSchema, type FraudAction, type ReferralReward, type ReferralSettings } from '../../../contracts/referrals.js';
import { api, ApiError } from '../../api/client.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { Card } from '../../components/layout.js';
import { ErrorNote, Loading } from '../../components/states.js';
import { SelectField, TextField } from '../journeys/fields.js';
import { Check, errs } from '../loyalty/fields.js';
import { num, shown } from '../loyalty/programme-form.js';
import { ACTION_TEXT, SIGNAL_TEXT } from './signals.js';

function defaults(): ReferralSettings {
  return {
    enabled: false,
    landingUrl: '',
    param: 'ref',
    minOrderValue: 0,
    refundWindowDays: 30,
    attributionDays: 60,
    friendReward: { points: 500 },
    advocateReward: { points: 500 },
    paymentProperty: 'payment_fingerprint',
    velocity: { perAdvocatePerDay: 5, ordersPerIpPerDay: 3 },
    actions: {},
    disposableDomains: [],
  };
}

/** The referral programme's settings (GET answers 404 before the first save: the defaults then). */
export function SettingsTab() {
  const q = useApi('/api/referrals/settings', undefined, { retry: (n, e) => e.status !== 404 && n < 2 });
  // Once shown, the form stays: the refetch after the first save starts from "no data" (pending) again.
  const [shown, setShown] = useState(false);
  const ready = q.data !== undefined || q.error?.status === 404;
  useEffect(() => {
    if (ready) setShown(true);
  }, [ready]);
  if (q.error && q.error.status !== 404) return <ErrorNote error={q.error} retry={() => void q.refetch()} />;
  if (!ready && !shown) return <Loading label="Loading the referral settings…" />;
  return <SettingsForm initial={q.data ?? null} />;
}

function RewardField({
  label,
  value,
  onChange,
  errors,
  rewards,
}: {
  label: string;
  value: ReferralReward;
  onChange: (r: ReferralReward) => void;
  errors: string[];
  rewards: Array<{ id: string; name: string }>;
}) {
  const kind = 'points' in value ? 'points' : 'reward';
  return (
    <fieldset className="loy-benefits">
      <legend>{label}</legend>
      <div className="loy-grid2">
        <SelectField
          label={`${label}: kind`}
          value={kind}
          options={[
            { value: 'points', label: 'Points' },
            { value: 'reward', label: 'A reward from the catalogue' },
          ]}
          onChange={(k) => onChange(k === 'points' ? { points: 500 } : { rewardId: rewards[0]?.id ?? '' })}
        />
        {'points' in value ? (
          <TextField label={`${label}: points`} type="number" value={shown(value.points)} errors={errors} onChange={(v) => onChange({ points: num(v) })} />
        ) : (
          <SelectField
            label={`${label}: reward`}
            value={value.rewardId}
            errors={errors}
            options={rewards.length ? rewards.map((r) => ({ value: r.id, label: r.name })) : [{ value: '', label: 'No rewards in the catalogue yet' }]}
            onChange={(rewardId) => onChange({ rewardId })}
          />
        )}
      </div>
    </fieldset>
  );
}

function SettingsForm({ initial }: { initial: ReferralSettings | null }) {
  const [d, setD] = useState<ReferralSettings>(() => initial ?? defaults());
  const [shownErrors, setShownErrors] = useState(false);
  const [saved, setSaved] = useState(false);
  const rewards = useApi('/api/loyalty/rewards', undefined, { retry: false });
  const save = useApiMutation((body: ReferralSettings) => api.put('/api/referrals/settings', { body }), { invalidates: ['/api/referrals'], onSuccess: () => setSaved(true) });
  const checked = ReferralSettingsSchema.safeParse(d);
  const local: Record<string, string> = {};
  if (!checked.success) for (const i of checked.error.issues) local[i.path.join('.')] ??= i.message;
  const serverField = save.error instanceof ApiError && save.error.field ? save.error.field.replace(/^body\./, '') : undefined;
  const errors = { ...(shownErrors ? local : {}), ...(serverField && save.error ? { [serverField]: save.error.message } : {}) };
  const e = (p: string) => errs(errors, p);
  const set = (p: Partial<ReferralSettings>) => {
    setD((x) => ({ ...x, ...p }));
    setSaved(false);
    save.reset();
  };
  const rewardList = rewards.data?.rewards.map((r) => ({ id: r.id, name: r.name })) ?? [];
  const action = (s: FraudSignal): FraudAction => d.actions[s] ?? DEFAULT_FRAUD_ACTIONS[s];
  return (
    <form
      className="stack"
      aria-label="Referral settings"
      noValidate
      onSubmit={(ev) => {
        ev.preventDefault();
        setShownErrors(true);
        setSaved(false);
        if (checked.success) save.mutate(checked.data);
      }}
    >
      <Card title="Programme" className="stack">
        <Check label="Referrals on" checked={d.enabled} onChange={(enabled) => set({ enabled })} hint="links record clicks and friends are attributed only while on" />
        <div className="loy-grid3">
          <TextField label="Landing page URL" value={d.landingUrl} errors={e('landingUrl')} onChange={(landingUrl) => set({ landingUrl })} placeholder="https://shop.example.com/welcome" />
          <TextField label="Code parameter" value={d.param} errors={e('param')} onChange={(param) => set({ param })} hint={`the link lands on …?${d.param || 'ref'}=CODE`} />
          <TextField label="Minimum first order" type="number" value={shown(d.minOrderValue)} errors={e('minOrderValue')} onChange={(v) => set({ minOrderValue: num(v) })} />
        </div>
        <div className="loy-grid3">
          <TextField
            label="Refund window (days)"
            type="number"
            value={shown(d.refundWindowDays)}
            errors={e('refundWindowDays')}
            onChange={(v) => set({ refundWindowDays: num(v) })}
            hint="the advocate is rewarded after it, if the order stands"
          />
          <TextField
            label="Attribution (days)"
            type="number"
            value={shown(d.attributionDays)}
            errors={e('attributionDays')}
            onChange={(v) => set({ attributionDays: num(v) })}
            hint="how long a link counts before the first order"
          />
          <TextField
            label="Most rewards per advocate"
            type="number"
            value={shown(d.maxRewardsPerAdvocate)}
            errors={e('maxRewardsPerAdvocate')}
            onChange={(v) => set({ maxRewardsPerAdvocate: v.trim() === '' ? undefined : num(v) })}
            hint="empty: no cap"
          />
        </div>
        <div className="loy-grid2">
          <RewardField
            label="Friend’s reward"
            value={d.friendReward}
            errors={[...e('friendReward'), ...e('friendReward.points'), ...e('friendReward.rewardId')]}
            rewards={rewardList}
            onChange={(friendReward) => set({ friendReward })}
          />
          <RewardField
            label="Advocate’s reward"
            value={d.advocateReward}
            errors={[...e('advocateReward'), ...e('advocateReward.points'), ...e('advocateReward.rewardId')]}
            rewards={rewardList}
            onChange={(advocateReward) => set({ advocateReward })}
          />
        </div>
      </Card>
      <Card title="Fraud guard" className="stack">
        <p className="muted">Each signal blocks the referral, holds it for review, or is ignored. Blocked and held referrals give no reward until someone allows them in the review queue.</p>
        <div className="loy-signals" role="group" aria-label="Signals">
          {FraudSignal.options.map((s) => (
            <Fragment key={s}>
              <p>
                <strong>{SIGNAL_TEXT[s].name}</strong> <span className="muted">{SIGNAL_TEXT[s].means}</span>
              </p>
              <select aria-label={`${SIGNAL_TEXT[s].name}: action`} value={action(s)} onChange={(ev) => set({ actions: { ...d.actions, [s]: ev.target.value as FraudAction } })}>
                {(['block', 'hold', 'off'] as const).map((a) => (
                  <option key={a} value={a}>
                    {ACTION_TEXT[a]}
                  </option>
                ))}
              </select>
            </Fragment>
          ))}
        </div>
        <div className="loy-grid3">
          <TextField
            label="Referrals per advocate per day"
            type="number"
            value={shown(d.velocity.perAdvocatePerDay)}
            errors={e('velocity.perAdvocatePerDay')}
            onChange={(v) => set({ velocity: { ...d.velocity, perAdvocatePerDay: num(v) } })}
          />
          <TextField
            label="Referral orders per IP per day"
            type="number"
            value={shown(d.velocity.ordersPerIpPerDay)}
            errors={e('velocity.ordersPerIpPerDay')}
            onChange={(v) => set({ velocity: { ...d.velocity, ordersPerIpPerDay: num(v) } })}
          />
          <TextField label="Payment fingerprint property" value={d.paymentProperty} errors={e('paymentProperty')} onChange={(paymentProperty) => set({ paymentProperty })} />
        </div>
        <label className="field">
          <span>More disposable email domains (one a line)</span>
          <textarea
            aria-label="More disposable email domains"
            rows={3}
            value={d.disposableDomains.join('\n')}
            onChange={(ev) =>
              set({
                disposableDomains: ev.target.value
                  .split(/\r?\n/)
                  .map((x) => x.trim())
                  .filter(Boolean),
              })
            }
          />
        </label>
      </Card>
      {save.error ? (
        <p className="form-error" role="alert">
          {serverField ? `Not saved: fix the field marked above (${serverField}).` : save.error.message}
        </p>
      ) : shownErrors && !checked.success ? (
        <p className="form-error" role="alert">
          Fix the fields marked above, then save.
        </p>
      ) : null}
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          Save referral settings
        </button>
        {saved ? (
          <span className="form-ok" role="status">
            Saved.
          </span>
        ) : null}
      </div>
    </form>
  );
}
