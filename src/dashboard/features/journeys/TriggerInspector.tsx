import { ConditionField } from '../../components/condition/ConditionField.js';
import { WhereField } from '../../components/condition/WhereField.js';
import type { EventMatch, JourneyDefinition, Trigger } from '../../../contracts/journey.js';
import { DurationField, numberOrText, SelectField, TextField } from './fields.js';
import type { Problem } from './validate.js';
import { EV } from '../../../contracts/events.js';

type Kind = 'event' | 'stageEntered' | 'stageExited' | 'segmentEntered' | 'segmentExited' | 'dateTrait' | 'schedule' | 'broadcast';
const KINDS: Array<{ value: Kind; label: string }> = [
  { value: 'event', label: 'An event happens' },
  { value: 'stageEntered', label: 'Enters a lifecycle stage' },
  { value: 'stageExited', label: 'Leaves a lifecycle stage' },
  { value: 'segmentEntered', label: 'Joins a segment' },
  { value: 'segmentExited', label: 'Leaves a segment' },
  { value: 'dateTrait', label: 'A date in a trait comes' },
  { value: 'schedule', label: 'On a schedule (recurring broadcast)' },
  { value: 'broadcast', label: 'Once, to a segment (broadcast)' },
];

function kindOf(t: Trigger): Kind {
  return Object.keys(t)[0] as Kind;
}

function freshTrigger(k: Kind, stages: string[], segments: string[]): Trigger {
  switch (k) {
    case 'event':
      return { event: { name: '' } };
    case 'stageEntered':
      return { stageEntered: { stage: stages[0] ?? '' } };
    case 'stageExited':
      return { stageExited: { stage: stages[0] ?? '' } };
    case 'segmentEntered':
      return { segmentEntered: { segment: segments[0] ?? '' } };
    case 'segmentExited':
      return { segmentExited: { segment: segments[0] ?? '' } };
    case 'dateTrait':
      return { dateTrait: { trait: '', offsetDays: 0, at: '09:00' } };
    case 'schedule':
      return { schedule: { segment: segments[0] ?? '', at: '09:00' } };
    case 'broadcast':
      return { broadcast: { segment: segments[0] ?? '', zone: 'workspace' } };
  }
}

/** An event name with optional property filters (kept as they are unless edited). */
function EventFields({
  label,
  value,
  onChange,
  errors,
  onPending,
  pendingKey,
}: {
  label: string;
  value: EventMatch;
  onChange: (e: EventMatch) => void;
  errors: string[];
  onPending: (k: string, bad: boolean) => void;
  pendingKey: string;
}) {
  return (
    <>
      <TextField label={label} value={value.name} errors={errors} placeholder="e.g. Order Completed" onChange={(name) => onChange({ ...value, name })} />
      <WhereField
        label="Only when its properties match (optional)"
        value={value.where}
        onPending={(bad) => onPending(pendingKey, bad)}
        onChange={(where) => {
          const { where: _w, ...rest } = value;
          onChange(where === undefined ? rest : { ...rest, where });
        }}
      />
    </>
  );
}

type Outcome = NonNullable<JourneyDefinition['exitWhen']>;

/** The trigger and the journey-wide settings: audience, re-entry, goal, exit criteria. */
export function TriggerInspector({
  def,
  problems,
  stages,
  segments,
  onChange,
  onPending,
}: {
  def: JourneyDefinition;
  problems: Problem[];
  stages: Array<{ key: string; name: string }>;
  segments: Array<{ id: string; name: string }>;
  onChange: (d: JourneyDefinition) => void;
  onPending: (k: string, bad: boolean) => void;
}) {
  const at = (prefix: string) => problems.filter((p) => p.path === prefix || p.path.startsWith(prefix + '.')).map((p) => p.message);
  const t = def.trigger;
  const kind = kindOf(t);
  const setTrigger = (trigger: Trigger) => onChange({ ...def, trigger });
  const stageOpts = stages.map((s) => ({ value: s.key, label: s.name }));
  const segOpts = segments.map((s) => ({ value: s.id, label: s.name }));
  // A segment the trigger names that is gone: shown as such, not as an empty choice.
  const named = 'segmentEntered' in t ? t.segmentEntered.segment : 'segmentExited' in t ? t.segmentExited.segment : 'schedule' in t ? t.schedule.segment : 'broadcast' in t ? t.broadcast.segment : '';
  if (named && segments.length && !segments.some((s) => s.id === named)) segOpts.unshift({ value: named, label: `${named} (deleted segment)` });
  const reentry = def.entry?.reentry ?? 'never';
  const reentryKind = typeof reentry === 'object' ? 'after' : reentry;

  const outcome = (key: 'goal' | 'exitWhen', label: string) => {
    const v = def[key] as Outcome | undefined;
    const mode = !v ? 'none' : v.event ? 'event' : 'condition';
    const set = (next: Outcome | undefined) => {
      const { [key]: _drop, ...rest } = def;
      onChange(next ? ({ ...rest, [key]: next } as JourneyDefinition) : (rest as JourneyDefinition));
    };
    return (
      <fieldset className="jny-group">
        <legend>{label}</legend>
        <SelectField
          label={`${label}: when`}
          value={mode}
          options={[
            { value: 'none', label: key === 'goal' ? 'No goal' : 'Never (only exit steps end it)' },
            { value: 'event', label: 'An event happens' },
            { value: 'condition', label: 'A condition holds' },
          ]}
          onChange={(m) => {
            const { event: _e, condition: _c, ...keep } = (v ?? {}) as Outcome;
            set(
              m === 'none'
                ? undefined
                : m === 'event'
                  ? ({ ...keep, event: v?.event ?? { name: '' } } as Outcome)
                  : ({ ...keep, condition: v?.condition ?? { performed: { event: EV.orderCompleted } } } as Outcome),
            );
          }}
        />
        {v?.event ? (
          <EventFields label={`${label} event`} value={v.event} errors={at(`${key}.event`)} onPending={onPending} pendingKey={`${key}.where`} onChange={(event) => set({ ...v, event })} />
        ) : null}
        {v?.condition ? (
          <ConditionField label={`${label} condition`} value={v.condition} onPending={(bad) => onPending(`${key}.condition`, bad)} onChange={(condition) => condition && set({ ...v, condition })} />
        ) : null}
        {key === 'goal' && def.goal?.holdoutWindow ? (
          <DurationField label="Watch the holdout for" value={def.goal.holdoutWindow} errors={at('goal.holdoutWindow')} onChange={(holdoutWindow) => set({ ...def.goal!, holdoutWindow } as Outcome)} />
        ) : null}
      </fieldset>
    );
  };

  return (
    <div className="stack jny-inspector-body">
      <div className="jny-inspector-title">
        <strong>Trigger and settings</strong>
      </div>
      <SelectField
        label="Starts when"
        value={kind}
        options={KINDS}
        onChange={(k) =>
          setTrigger(
            freshTrigger(
              k as Kind,
              stages.map((s) => s.key),
              segments.map((s) => s.id),
            ),
          )
        }
      />
      {'event' in t ? (
        <EventFields label="Event name" value={t.event} errors={at('trigger.event')} onPending={onPending} pendingKey="trigger.where" onChange={(event) => setTrigger({ event })} />
      ) : null}
      {'stageEntered' in t ? (
        <SelectField
          label="Stage"
          value={t.stageEntered.stage}
          errors={at('trigger')}
          options={[{ value: '', label: 'Choose…' }, ...stageOpts]}
          onChange={(stage) => setTrigger({ stageEntered: { stage } })}
        />
      ) : null}
      {'stageExited' in t ? (
        <SelectField
          label="Stage"
          value={t.stageExited.stage}
          errors={at('trigger')}
          options={[{ value: '', label: 'Choose…' }, ...stageOpts]}
          onChange={(stage) => setTrigger({ stageExited: { stage } })}
        />
      ) : null}
      {'segmentEntered' in t ? (
        <SelectField
          label="Segment"
          value={t.segmentEntered.segment}
          errors={at('trigger')}
          options={[{ value: '', label: 'Choose…' }, ...segOpts]}
          onChange={(segment) => setTrigger({ segmentEntered: { segment } })}
        />
      ) : null}
      {'segmentExited' in t ? (
        <SelectField
          label="Segment"
          value={t.segmentExited.segment}
          errors={at('trigger')}
          options={[{ value: '', label: 'Choose…' }, ...segOpts]}
          onChange={(segment) => setTrigger({ segmentExited: { segment } })}
        />
      ) : null}
      {'dateTrait' in t ? (
        <>
          <TextField
            label="Date trait"
            value={t.dateTrait.trait}
            errors={at('trigger.dateTrait.trait')}
            placeholder="renewal_date"
            onChange={(trait) => setTrigger({ dateTrait: { ...t.dateTrait, trait } })}
          />
          <TextField
            label="Days offset (negative: before)"
            type="number"
            value={String(t.dateTrait.offsetDays)}
            errors={at('trigger.dateTrait.offsetDays')}
            onChange={(v) => setTrigger({ dateTrait: { ...t.dateTrait, offsetDays: numberOrText(v) } })}
          />
          <TextField label="At (UTC)" type="time" value={t.dateTrait.at ?? '09:00'} errors={at('trigger.dateTrait.at')} onChange={(v) => setTrigger({ dateTrait: { ...t.dateTrait, at: v } })} />
        </>
      ) : null}
      {'schedule' in t ? (
        <>
          <SelectField
            label="Segment"
            value={t.schedule.segment}
            errors={at('trigger.schedule.segment')}
            options={[{ value: '', label: 'Choose…' }, ...segOpts]}
            onChange={(segment) => setTrigger({ schedule: { ...t.schedule, segment } })}
          />
          <TextField label="At (workspace time)" type="time" value={t.schedule.at} errors={at('trigger.schedule.at')} onChange={(v) => setTrigger({ schedule: { ...t.schedule, at: v } })} />
        </>
      ) : null}
      {'broadcast' in t ? (
        <>
          <SelectField
            label="Segment"
            value={t.broadcast.segment}
            errors={at('trigger.broadcast.segment')}
            options={[{ value: '', label: 'Choose…' }, ...segOpts]}
            onChange={(segment) => setTrigger({ broadcast: { ...t.broadcast, segment } })}
          />
          <TextField
            label="Send at (empty: when published)"
            type="datetime-local"
            value={t.broadcast.at ?? ''}
            errors={at('trigger.broadcast.at')}
            onChange={(v) => {
              const { at: _at, ...rest } = t.broadcast;
              setTrigger({ broadcast: v ? { ...rest, at: v.slice(0, 16) } : rest });
            }}
          />
          <SelectField
            label="In the time zone of"
            value={t.broadcast.zone ?? 'workspace'}
            errors={at('trigger.broadcast.zone')}
            options={[
              { value: 'workspace', label: 'The workspace' },
              { value: 'customer', label: 'Each customer (their timezone trait)' },
            ]}
            onChange={(zone) => setTrigger({ broadcast: { ...t.broadcast, zone: zone as 'workspace' | 'customer' } })}
          />
        </>
      ) : null}
      <ConditionField
        label="Audience: only customers matching (optional)"
        value={def.audience}
        optional
        onPending={(bad) => onPending('audience', bad)}
        onChange={(audience) => {
          const { audience: _a, ...rest } = def;
          onChange(audience === undefined ? (rest as JourneyDefinition) : { ...rest, audience });
        }}
      />
      <SelectField
        label="Re-entry"
        value={reentryKind}
        errors={at('entry')}
        options={[
          { value: 'never', label: 'Once per customer' },
          { value: 'always', label: 'Every time the trigger fires (after a run ends)' },
          { value: 'after', label: 'Again after some days' },
        ]}
        onChange={(v) => onChange({ ...def, entry: { ...def.entry, reentry: v === 'after' ? { afterDays: 30 } : (v as 'never' | 'always') } })}
      />
      {typeof reentry === 'object' ? (
        <TextField
          label="Days before re-entry"
          type="number"
          value={String(reentry.afterDays)}
          onChange={(v) => onChange({ ...def, entry: { ...def.entry, reentry: { afterDays: numberOrText(v) } } })}
        />
      ) : null}
      {outcome('goal', 'Goal')}
      {outcome('exitWhen', 'Exit early')}
      {problems.length ? (
        <div className="form-error" role="alert">
          {problems.map((p) => p.message).join('; ')}
        </div>
      ) : null}
    </div>
  );
}
