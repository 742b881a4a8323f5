import type { EarnRule } from '../../../contracts/loyalty.js';
import { SelectField, TextField } from '../journeys/fields.js';
import { Check, errs, type Errors } from './fields.js';
import { dateToIso, isoToDate, num, shown } from './programme-form.js';

type Pending = NonNullable<EarnRule['pending']>;

/** The fields of one earn rule; `path` is its place in the settings (`earnRules.2`) for the problems. */
export function RuleForm({ rule, set, errors, path, pointsName }: { rule: EarnRule; set: (r: EarnRule) => void; errors: Errors; path: string; pointsName: string }) {
  const e = (f: string) => errs(errors, `${path}.${f}`);
  const patch = (p: Partial<EarnRule>) => set({ ...rule, ...p });
  const pendingMode = !rule.pending ? 'none' : rule.pending.untilEvent ? 'event' : 'days';
  const expiryMode = rule.expiresAfterDays === undefined ? 'default' : rule.expiresAfterDays === null ? 'never' : 'days';
  const setPending = (p: Pending | undefined) => patch({ pending: p });
  return (
    <div className="stack loy-rule-form" role="group" aria-label={`Rule ${rule.name}`}>
      <div className="loy-grid3">
        <TextField label="Rule name" value={rule.name} errors={e('name')} onChange={(name) => patch({ name })} />
        <TextField label="Rule id" value={rule.id} errors={e('id')} onChange={(id) => patch({ id })} hint="kept on each earn entry" />
        <Check label="Rule on" checked={rule.enabled !== false} onChange={(enabled) => patch({ enabled })} />
      </div>
      <div className="loy-grid3">
        {rule.kind === 'order' ? (
          <TextField label={`${pointsName} per currency unit`} type="number" value={shown(rule.pointsPerUnit)} errors={e('pointsPerUnit')} onChange={(v) => patch({ pointsPerUnit: num(v) })} />
        ) : (
          <TextField label={`${pointsName} each time`} type="number" value={shown(rule.points)} errors={e('points')} onChange={(v) => patch({ points: num(v) })} />
        )}
        {rule.kind === 'event' ? (
          <TextField
            label="Event name"
            value={rule.event?.name ?? ''}
            errors={[...e('event'), ...e('event.name')]}
            onChange={(name) => patch({ event: { ...rule.event, name } })}
            placeholder="e.g. Review Submitted"
          />
        ) : null}
        {rule.kind === 'birthday' ? (
          <TextField label="Birthday trait" value={rule.birthdayTrait ?? ''} errors={e('birthdayTrait')} onChange={(v) => patch({ birthdayTrait: v || undefined })} placeholder="birthday" />
        ) : null}
        <TextField label="Multiplier" type="number" value={shown(rule.multiplier)} errors={e('multiplier')} onChange={(v) => patch({ multiplier: num(v) })} hint="2 for a double-points campaign" />
      </div>
      <div className="loy-grid4">
        <TextField label="Campaign starts" type="date" value={isoToDate(rule.startsAt)} errors={e('startsAt')} onChange={(v) => patch({ startsAt: dateToIso(v) })} />
        <TextField label="Campaign ends (last day)" type="date" value={isoToDate(rule.endsAt, true)} errors={e('endsAt')} onChange={(v) => patch({ endsAt: dateToIso(v, true) })} />
        <TextField
          label="Cap (points)"
          type="number"
          value={shown(rule.cap?.points)}
          errors={[...e('cap'), ...e('cap.points')]}
          onChange={(v) => patch({ cap: v.trim() === '' ? undefined : { per: rule.cap?.per ?? 'month', points: num(v) } })}
        />
        <SelectField
          label="Cap period"
          value={rule.cap?.per ?? 'month'}
          options={[
            { value: 'day', label: 'a day' },
            { value: 'week', label: 'a week' },
            { value: 'month', label: 'a month' },
            { value: 'year', label: 'a year' },
            { value: 'lifetime', label: 'in all' },
          ]}
          onChange={(per) => rule.cap && patch({ cap: { ...rule.cap, per: per as NonNullable<EarnRule['cap']>['per'] } })}
        />
      </div>
      <div className="loy-grid4">
        <SelectField
          label="Pending"
          value={pendingMode}
          errors={e('pending')}
          options={[
            { value: 'none', label: 'Programme default' },
            { value: 'days', label: 'For some days' },
            { value: 'event', label: 'Until an event' },
          ]}
          onChange={(m) => setPending(m === 'none' ? undefined : m === 'days' ? { days: 14 } : { untilEvent: 'Order Delivered', maxDays: 30 })}
        />
        {pendingMode === 'days' ? <TextField label="Pending days" type="number" value={shown(rule.pending?.days)} errors={e('pending.days')} onChange={(v) => setPending({ days: num(v) })} /> : null}
        {pendingMode === 'event' ? (
          <>
            <TextField label="Released by event" value={rule.pending?.untilEvent ?? ''} errors={e('pending.untilEvent')} onChange={(v) => setPending({ ...rule.pending, untilEvent: v })} />
            <TextField
              label="Release anyway after (days)"
              type="number"
              value={shown(rule.pending?.maxDays)}
              errors={e('pending.maxDays')}
              onChange={(v) => setPending({ ...rule.pending, maxDays: v.trim() === '' ? undefined : num(v) })}
            />
          </>
        ) : null}
      </div>
      <div className="loy-grid4">
        <SelectField
          label="Expiry"
          value={expiryMode}
          options={[
            { value: 'default', label: 'Programme default' },
            { value: 'never', label: 'Never' },
            { value: 'days', label: 'After some days' },
          ]}
          onChange={(m) => patch({ expiresAfterDays: m === 'default' ? undefined : m === 'never' ? null : 365 })}
        />
        {expiryMode === 'days' ? (
          <TextField label="Expire after (days)" type="number" value={shown(rule.expiresAfterDays)} errors={e('expiresAfterDays')} onChange={(v) => patch({ expiresAfterDays: num(v) })} />
        ) : null}
        <Check label="Once per member" checked={rule.oncePerMember === true} onChange={(oncePerMember) => patch({ oncePerMember })} />
        <Check label="Tier multiplier applies" checked={rule.tierMultiplier !== false} onChange={(tierMultiplier) => patch({ tierMultiplier })} />
      </div>
    </div>
  );
}
