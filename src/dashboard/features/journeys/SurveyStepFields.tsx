import type { Step } from '../../../contracts/journey.js';
import { Link } from '../../router.js';
import { SelectField } from './fields.js';
import type { InspectorContext } from './StepInspector.js';

type SurveyStep = Extract<Step, { type: 'survey' }>;

/** The survey step's fields: which survey, on which channel; a draft or archived survey is flagged (it sends nothing). */
export function SurveyStepFields({ step, surveys, errors, onChange }: { step: SurveyStep; surveys: InspectorContext['surveys']; errors: string[]; onChange: (s: Step) => void }) {
  const chosen = surveys.find((s) => s.id === step.survey);
  return (
    <>
      <SelectField
        label="Survey"
        value={step.survey}
        errors={errors}
        options={[
          { value: '', label: surveys.length ? 'Choose a survey…' : 'No surveys yet' },
          ...(step.survey && surveys.length && !chosen ? [{ value: step.survey, label: `${step.survey} (missing survey)` }] : []),
          ...surveys
            .filter((s) => s.status !== 'archived' || s.id === step.survey)
            .map((s) => ({ value: s.id, label: `${s.name} (${s.definition.type.toUpperCase()})${s.status === 'active' ? '' : ` · ${s.status}`}` })),
        ]}
        onChange={(survey) => onChange({ ...step, survey })}
      />
      <SelectField
        label="Channel"
        value={step.channel}
        options={(['email', 'sms', 'inapp'] as const).map((c) => ({ value: c, label: c === 'inapp' ? 'In-app' : c === 'sms' ? 'SMS' : 'Email' }))}
        onChange={(channel) => onChange({ ...step, channel: channel as SurveyStep['channel'] })}
      />
      {chosen && chosen.status !== 'active' ? (
        <p className="jny-field-error">This survey is {chosen.status}: activate it, or its invitations do not go out (they are recorded with the reason).</p>
      ) : null}
      {chosen ? <Link to={`/surveys/${encodeURIComponent(chosen.id)}`}>Edit “{chosen.name}”</Link> : <Link to="/surveys/new">Create a survey</Link>}
      <p className="muted">Fatigue rules may hold or skip the invitation; the customer moves on to the next step either way.</p>
    </>
  );
}
