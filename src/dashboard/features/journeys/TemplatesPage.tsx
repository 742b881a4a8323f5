import { useApi } from '../../api/hooks.js';
import { IfCan } from '../../components/ReadOnly.js';
import { fmtRelative } from '../../components/format.js';
import { Badge, Card, PageHeader } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { Link, navigate } from '../../router.js';
import type { PageProps } from '../../routes.js';
import './journeys.css';

/** `/templates`: the message templates journeys send. */
export default function TemplatesPage(_props: PageProps) {
  const q = useApi('/api/templates');
  return (
    <>
      <PageHeader
        title="Templates"
        subtitle="Emails, SMS and in-app messages, written in Liquid; preview them with a real customer."
        actions={
          <IfCan needs="marketing.write">
            <button type="button" className="btn btn-primary" onClick={() => navigate('/templates/new')}>
              New template
            </button>
          </IfCan>
        }
      />
      <Card>
        <QueryView query={q} isEmpty={(d) => d.templates.length === 0} empty={{ title: 'No templates yet', hint: 'Create one with “New template”.' }}>
          {(d) => (
            <div className="table-wrap">
              <table aria-label="Templates">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Channel</th>
                    <th>Format</th>
                    <th>Subject</th>
                    <th className="num">Version</th>
                    <th>Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {d.templates.map((t) => (
                    <tr key={t.id}>
                      <td>
                        <Link to={`/templates/${encodeURIComponent(t.id)}`}>{t.name}</Link>
                        <div className="muted">
                          <code>{t.id}</code>
                        </div>
                      </td>
                      <td>
                        <Badge tone="info">{t.channel}</Badge>
                      </td>
                      <td>{t.format}</td>
                      <td className="jny-cell-clip" title={t.subject ?? undefined}>
                        {t.subject ?? <span className="muted">—</span>}
                      </td>
                      <td className="num">{t.version}</td>
                      <td title={t.updatedAt}>{fmtRelative(t.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </Card>
    </>
  );
}
