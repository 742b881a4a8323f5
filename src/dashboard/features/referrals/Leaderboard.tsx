import { useApi } from '../../api/hooks.js';
import { useWorkspace } from '../../api/workspace.js';
import { fmtMoney, fmtNumber } from '../../components/format.js';
import { Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { Link } from '../../router.js';

/** Advocates by what their referrals brought: clicks, friends, rewarded, pending, held and blocked, revenue. */
export function Leaderboard() {
  const q = useApi('/api/referrals/leaderboard', { query: { limit: 100 } });
  const { currency } = useWorkspace();
  return (
    <Card title="Leaderboard">
      <QueryView query={q} empty={{ title: 'No advocates yet', hint: 'Create a code on a customer’s page (Loyalty card) to make them an advocate.' }} isEmpty={(d) => d.advocates.length === 0}>
        {(d) => (
          <div className="table-wrap">
            <table aria-label="Referral leaderboard">
              <thead>
                <tr>
                  <th>Advocate</th>
                  <th>Code</th>
                  <th className="num">Clicks</th>
                  <th className="num">Friends</th>
                  <th className="num">Rewarded</th>
                  <th className="num">Pending</th>
                  <th className="num">Held</th>
                  <th className="num">Blocked</th>
                  <th className="num">Revenue</th>
                </tr>
              </thead>
              <tbody>
                {d.advocates.map((r) => (
                  <tr key={`${r.customerId}-${r.code}`} data-advocate={r.userId ?? r.customerId}>
                    <td>{r.userId ? <Link to={`/customers/${encodeURIComponent(r.userId)}`}>{r.email ?? r.userId}</Link> : (r.email ?? `#${r.customerId}`)}</td>
                    <td>
                      <code>{r.code}</code>
                    </td>
                    <td className="num">{fmtNumber(r.clicks)}</td>
                    <td className="num">{fmtNumber(r.attributed)}</td>
                    <td className="num" data-testid="lb-rewarded">
                      {fmtNumber(r.rewarded)}
                    </td>
                    <td className="num">{fmtNumber(r.pending)}</td>
                    <td className="num">{fmtNumber(r.held)}</td>
                    <td className="num">{fmtNumber(r.blocked)}</td>
                    <td className="num">{fmtMoney(r.revenue, currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </Card>
  );
}
