import { useApi } from '../../api/hooks.js';
import { IfCan } from '../../components/ReadOnly.js';
import { fmtDateTime, fmtNumber } from '../../components/format.js';
import { PageHeader } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import type { PageProps } from '../../routes.js';
import { JourneyMap } from './JourneyMap.js';
import { ModelEditor } from './ModelEditor.js';
import './lifecycle.css';

/**
 * The lifecycle: the model's stages as a journey map (rules in words, touchpoints, who is
 * in each stage now, time in stage, conversion and drop-off) and the model editor.
 */
export default function LifecyclePage(_props: PageProps) {
  const model = useApi('/api/lifecycle/model');
  const dist = useApi('/api/lifecycle/distribution');
  return (
    <div className="lc-page">
      <PageHeader
        title="Lifecycle"
        subtitle={
          model.data ? (
            <>
              {model.data.model.name} · {fmtNumber(model.data.model.stages.length)} stages
              {dist.data ? ` · ${fmtNumber(dist.data.total)} customers with a stage as of ${fmtDateTime(dist.data.at)}` : ''}
            </>
          ) : (
            'The stages customers move through, and the rules that move them.'
          )
        }
      />
      <QueryView query={model} loadingLabel="Loading the lifecycle model…">
        {(m) => (
          <div className="stack">
            {dist.error ? <p className="form-error">Customer counts unavailable: {dist.error.message}</p> : null}
            <JourneyMap model={m} dist={dist.data} />
            <IfCan needs="model.write">
              <ModelEditor current={m} />
            </IfCan>
          </div>
        )}
      </QueryView>
    </div>
  );
}
