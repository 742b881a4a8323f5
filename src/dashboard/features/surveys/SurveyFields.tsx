import { useId } from 'react';
import { BAND_NAMES, SurveyLocale, type Sentiment } from '../../../contracts/surveys.js';
import { Card } from '../../components/layout.js';
import { FieldErrors, SelectField, TextField } from '../journeys/fields.js';
import { changeType, type PerSentimentDraft, type SurveyDraft } from './survey-form.js';

export interface FieldsProps {
  d: SurveyDraft;
  set: (patch: Partial<SurveyDraft>) => void;
  errors: Record<string, string>;
}

const errs = (errors: Record<string, string>, f: string) => (errors[f] ? [errors[f]!] : []);

/** A labelled textarea with its problem under it. */
export function TextArea({ label, value, onChange, errors = [], rows = 2 }: { label: string; value: string; onChange: (v: string) => void; errors?: string[]; rows?: number }) {
  const id = useId();
  return (
    <label className="field">
      <span>{label}</span>
      <textarea aria-label={label} rows={rows} value={value} aria-invalid={errors.length > 0} aria-describedby={errors.length ? id : undefined} onChange={(e) => onChange(e.target.value)} />
      <FieldErrors errors={errors} id={id} />
    </label>
  );
}

/** Type, scale, question and labels. */
export function QuestionCard({ d, set, errors, isNew }: FieldsProps & { isNew: boolean }) {
  return (
    <Card title="Question" className="stack">
      <div className="svy-grid2">
        <TextField label="Survey name" value={d.name} errors={errs(errors, 'name')} onChange={(name) => set({ name })} />
        {isNew ? (
          <TextField
            label="Survey id"
            value={d.id}
            errors={errs(errors, 'id')}
            placeholder="e.g. nps-quarterly"
            onChange={(id) => set({ id })}
            hint="used in links and journeys; cannot change later"
          />
        ) : null}
      </div>
      <div className="svy-grid4">
        <SelectField
          label="Type"
          value={d.type}
          options={[
            { value: 'nps', label: 'NPS (0–10)' },
            { value: 'csat', label: 'CSAT (satisfaction)' },
            { value: 'ces', label: 'CES (effort)' },
          ]}
          onChange={(t) => set(changeType(d, t as SurveyDraft['type']))}
        />
        {d.type !== 'nps' ? (
          <>
            <TextField label="Lowest score" type="number" value={d.scaleMin} errors={errs(errors, 'scaleMin')} onChange={(scaleMin) => set({ scaleMin })} />
            <TextField label="Highest score" type="number" value={d.scaleMax} errors={errs(errors, 'scaleMax')} onChange={(scaleMax) => set({ scaleMax })} />
          </>
        ) : null}
        <SelectField label="Language of the page" value={d.locale} options={SurveyLocale.options.map((l) => ({ value: l, label: l }))} onChange={(l) => set({ locale: l as SurveyDraft['locale'] })} />
      </div>
      <TextArea label="Question (Liquid)" value={d.question} errors={errs(errors, 'question')} onChange={(question) => set({ question })} />
      <div className="svy-grid2">
        <TextField label="Label of the lowest score" value={d.lowLabel} errors={errs(errors, 'lowLabel')} onChange={(lowLabel) => set({ lowLabel })} />
        <TextField label="Label of the highest score" value={d.highLabel} errors={errs(errors, 'highLabel')} onChange={(highLabel) => set({ highLabel })} />
      </div>
    </Card>
  );
}

const SENTIMENTS: Sentiment[] = ['negative', 'neutral', 'positive'];

function PerSentimentFields({
  d,
  label,
  value,
  onChange,
  errors,
  prefix,
}: {
  d: SurveyDraft;
  label: string;
  value: PerSentimentDraft;
  onChange: (v: PerSentimentDraft) => void;
  errors: Record<string, string>;
  prefix: string;
}) {
  return (
    <>
      <TextArea label={`${label}: default`} value={value.default} errors={errs(errors, `${prefix}.default`)} onChange={(v) => onChange({ ...value, default: v })} />
      <div className="svy-grid3">
        {SENTIMENTS.map((s) => (
          <TextArea key={s} label={`${label}: ${BAND_NAMES[d.type][s]}s`} value={value[s]} errors={errs(errors, `${prefix}.${s}`)} onChange={(v) => onChange({ ...value, [s]: v })} />
        ))}
      </div>
      <small className="muted">Empty per-band texts use the default.</small>
    </>
  );
}

/** The open-text follow-up and the thank-you, per band. */
export function AfterScoreCard({ d, set, errors }: FieldsProps) {
  return (
    <Card title="After the score" className="stack">
      <label className="svy-check">
        <input type="checkbox" checked={d.followUpOn} onChange={(e) => set({ followUpOn: e.target.checked })} /> Ask an open-text follow-up question
      </label>
      {d.followUpOn ? <PerSentimentFields d={d} label="Follow-up question" value={d.followUp} onChange={(followUp) => set({ followUp })} errors={errors} prefix="followUp" /> : null}
      <PerSentimentFields d={d} label="Thank-you" value={d.thankYou} onChange={(thankYou) => set({ thankYou })} errors={errors} prefix="thankYou" />
    </Card>
  );
}

/** The email's subject and introduction and the SMS text. */
export function ChannelsCard({ d, set, errors }: FieldsProps) {
  return (
    <Card title="Email and SMS" className="stack">
      <TextField label="Email subject (Liquid)" value={d.emailSubject} errors={errs(errors, 'emailSubject')} onChange={(emailSubject) => set({ emailSubject })} />
      <TextArea label="Email introduction (Liquid)" rows={3} value={d.emailIntro} errors={errs(errors, 'emailIntro')} onChange={(emailIntro) => set({ emailIntro })} />
      <TextArea label="SMS text (Liquid; say how to answer)" value={d.smsText} errors={errs(errors, 'smsText')} onChange={(smsText) => set({ smsText })} />
      <small className="muted">
        The email shows one button per score: one click answers. Empty subject: no email; empty SMS text: no SMS. Liquid: <code>{'{{ customer.first_name }}'}</code>,{' '}
        <code>{'{{ workspace.name }}'}</code>.
      </small>
    </Card>
  );
}

/** This survey's fatigue and sampling, and the follow-up task on negative answers. */
export function RulesCard({ d, set, errors }: FieldsProps) {
  return (
    <Card title="Rules" className="stack">
      <div className="svy-grid3">
        <TextField label="Rest days (this survey)" type="number" value={d.minDaysBetween} errors={errs(errors, 'minDaysBetween')} onChange={(minDaysBetween) => set({ minDaysBetween })} />
        <SelectField
          label="When a rule holds a send"
          value={d.whenHeld}
          options={[
            { value: 'wait', label: 'Wait until eligible' },
            { value: 'skip', label: 'Skip it' },
          ]}
          onChange={(v) => set({ whenHeld: v as 'wait' | 'skip' })}
        />
        <TextField label="Sample (% sent)" type="number" value={d.samplePercent} errors={errs(errors, 'samplePercent')} onChange={(samplePercent) => set({ samplePercent })} />
      </div>
      <label className="svy-check">
        <input type="checkbox" checked={d.taskEnabled} onChange={(e) => set({ taskEnabled: e.target.checked })} /> Make a follow-up task on a {BAND_NAMES[d.type].negative} answer
      </label>
      {d.taskEnabled ? (
        <div className="svy-grid2">
          <TextField label="Task title" value={d.taskTitle} errors={errs(errors, 'taskTitle')} onChange={(taskTitle) => set({ taskTitle })} />
          <TextField label="Assignee role" value={d.taskRole} errors={errs(errors, 'taskRole')} onChange={(taskRole) => set({ taskRole })} />
          <TextField label="Due after (hours)" type="number" value={d.taskDueHours} errors={errs(errors, 'taskDueHours')} onChange={(taskDueHours) => set({ taskDueHours })} />
          <SelectField
            label="At most one open task per"
            value={d.taskPer}
            options={[
              { value: 'customer', label: 'Customer' },
              { value: 'account', label: 'Account' },
            ]}
            onChange={(v) => set({ taskPer: v as 'customer' | 'account' })}
          />
        </div>
      ) : null}
    </Card>
  );
}
