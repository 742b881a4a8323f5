import type { ProgrammeSettings } from '../../../contracts/loyalty.js';
import { Card } from '../../components/layout.js';
import { SelectField, TextField } from '../journeys/fields.js';
import { errs, type Errors } from './fields.js';
import { num, shown } from './programme-form.js';

/** The programme's own settings: names, what a point is worth, enrolment, holdout, default expiry and pending, refunds of spent points. */
export function GeneralCard({ d, set, errors, currency }: { d: ProgrammeSettings; set: (p: Partial<ProgrammeSettings>) => void; errors: Errors; currency: string }) {
  const e = (p: string) => errs(errors, p);
  const pendingMode = !d.pending ? 'none' : d.pending.untilEvent ? 'event' : 'days';
  return (
    <Card title="General" className="stack">
      <div className="loy-grid3">
        <TextField label="Programme name" value={d.name} errors={e('name')} onChange={(name) => set({ name })} />
        <TextField label="Points are called" value={d.pointsName} errors={e('pointsName')} onChange={(pointsName) => set({ pointsName })} />
        <TextField
          label={`Point value (${currency})`}
          type="number"
          value={shown(d.pointValue)}
          errors={e('pointValue')}
          onChange={(v) => set({ pointValue: num(v) })}
          hint="what one point is worth when redeemed"
        />
      </div>
      <div className="loy-grid3">
        <SelectField
          label="Enrolment"
          value={d.enrolment}
          options={[
            { value: 'automatic', label: 'Every customer is a member' },
            { value: 'opt_in', label: 'Customers opt in' },
          ]}
          onChange={(v) => set({ enrolment: v as ProgrammeSettings['enrolment'] })}
        />
        {d.enrolment === 'opt_in' ? <TextField label="Opt-in event" value={d.optInEvent} errors={e('optInEvent')} onChange={(optInEvent) => set({ optInEvent })} /> : null}
        <TextField
          label="Holdout (%)"
          type="number"
          value={shown(d.holdoutPercent)}
          errors={e('holdoutPercent')}
          onChange={(v) => set({ holdoutPercent: num(v) })}
          hint="kept out at random to measure lift (0–50)"
        />
      </div>
      <div className="loy-grid4">
        <SelectField
          label="Points expire"
          value={d.expiresAfterDays === null ? 'never' : 'days'}
          options={[
            { value: 'days', label: 'After some days' },
            { value: 'never', label: 'Never' },
          ]}
          onChange={(v) => set({ expiresAfterDays: v === 'never' ? null : 365 })}
        />
        {d.expiresAfterDays !== null ? (
          <TextField label="Expire after (days)" type="number" value={shown(d.expiresAfterDays)} errors={e('expiresAfterDays')} onChange={(v) => set({ expiresAfterDays: num(v) })} />
        ) : null}
        <SelectField
          label="Order points pending"
          value={pendingMode}
          errors={e('pending')}
          options={[
            { value: 'none', label: 'No: available at once' },
            { value: 'days', label: 'For some days' },
            { value: 'event', label: 'Until an event' },
          ]}
          onChange={(m) => set({ pending: m === 'none' ? undefined : m === 'days' ? { days: 14 } : { untilEvent: 'Order Delivered', maxDays: 30 } })}
        />
        {pendingMode === 'days' ? (
          <TextField label="Pending days" type="number" value={shown(d.pending?.days)} errors={e('pending.days')} onChange={(v) => set({ pending: { days: num(v) } })} />
        ) : null}
        {pendingMode === 'event' ? (
          <TextField label="Released by event" value={d.pending?.untilEvent ?? ''} errors={e('pending.untilEvent')} onChange={(v) => set({ pending: { ...d.pending, untilEvent: v } })} />
        ) : null}
      </div>
      <SelectField
        label="When a refund takes back points already spent"
        value={d.spentReversal}
        options={[
          { value: 'negative', label: 'The balance goes negative' },
          { value: 'clawback', label: 'Cancel unused rewards first, then go negative' },
        ]}
        onChange={(v) => set({ spentReversal: v as ProgrammeSettings['spentReversal'] })}
      />
    </Card>
  );
}
