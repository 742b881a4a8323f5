import { useState } from 'react';
import { BAND_NAMES, type Sentiment } from '../../../contracts/surveys.js';
import { useApi } from '../../api/hooks.js';
import { Badge, Card, Tabs } from '../../components/layout.js';
import { fmtRelative } from '../../components/format.js';
import { QueryView } from '../../components/states.js';
import { Link } from '../../router.js';
import { CHANNEL_LABEL } from './labels.js';

const TONE = { negative: 'bad', neutral: 'warn', positive: 'good' } as const;

/** The open-text comments, newest first, by band (detractors first: they are the ones to act on). */
export function CommentsCard({ surveyId }: { surveyId: string }) {
  const survey = useApi('/api/surveys/:id', { params: { id: surveyId } });
  const [sentiment, setSentiment] = useState<Sentiment>('negative');
  const q = useApi('/api/surveys/:id/responses', { params: { id: surveyId }, query: { sentiment, withComment: true, limit: 50 } }, { keepPrevious: true });
  const names = BAND_NAMES[survey.data?.definition.type ?? 'nps'];
  const tabs = (['negative', 'neutral', 'positive'] as const).map((k) => ({ key: k, label: `${names[k][0]!.toUpperCase()}${names[k].slice(1)}s` }));
  return (
    <Card title="Comments">
      <Tabs tabs={tabs} value={sentiment} onChange={setSentiment} />
      <QueryView query={q} empty={{ title: `No comments from ${names[sentiment]}s` }} isEmpty={(d) => d.responses.length === 0}>
        {(d) => (
          <ul className="svy-comments" aria-label={`Comments from ${names[sentiment]}s`}>
            {d.responses.map((r) => (
              <li key={r.id} className="svy-comment-item">
                <div className="row">
                  <Badge tone={TONE[r.sentiment]}>{r.score}</Badge>
                  <span>{r.userId ? <Link to={`/customers/${encodeURIComponent(r.userId)}`}>{r.userId}</Link> : `customer #${r.customerId}`}</span>
                  <span className="muted">
                    {CHANNEL_LABEL[r.channel] ?? r.channel} · {fmtRelative(r.respondedAt)}
                  </span>
                </div>
                <blockquote className="svy-comment">{r.comment}</blockquote>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </Card>
  );
}
