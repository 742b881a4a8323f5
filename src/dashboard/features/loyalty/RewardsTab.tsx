import { useState } from 'react';
import type { RewardView } from '../../../contracts/loyalty.js';
import { useApi } from '../../api/hooks.js';
import { useWorkspace } from '../../api/workspace.js';
import { fmtDateTime, fmtMoney, fmtNumber } from '../../components/format.js';
import { Badge, Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { Link } from '../../router.js';
import { CodePool } from './CodePool.js';
import { KIND_LABEL, RewardForm } from './RewardForm.js';

/** The rewards catalogue (add, edit, code pools) and the latest redemptions. */
export function RewardsTab() {
  const q = useApi('/api/loyalty/rewards');
  const programme = useApi('/api/loyalty/programme', undefined, { retry: false });
  const tiers = programme.data?.settings.tiers?.tiers.map((t) => ({ key: t.key, name: t.name })) ?? [];
  const { currency } = useWorkspace();
  const [editing, setEditing] = useState<string | null>(null);
  const [pool, setPool] = useState<string | null>(null);
  return (
    <div className="stack">
      <Card
        title="Catalogue"
        actions={
          editing === 'new' ? null : (
            <button type="button" className="btn btn-primary btn-small" onClick={() => setEditing('new')}>
              New reward
            </button>
          )
        }
      >
        {editing === 'new' ? (
          <RewardForm
            initial={null}
            tiers={tiers}
            onDone={(id) => {
              setEditing(null);
              if (id) setPool(id);
            }}
          />
        ) : null}
        <QueryView
          query={q}
          empty={{ title: 'No rewards yet', hint: 'Add what members can spend their points on: a discount code, a free product, store credit.' }}
          isEmpty={(d) => d.rewards.length === 0}
        >
          {(d) => (
            <div className="table-wrap">
              <table aria-label="Rewards">
                <thead>
                  <tr>
                    <th>Reward</th>
                    <th>Kind</th>
                    <th className="num">Cost</th>
                    <th className="num">Worth</th>
                    <th className="num">Codes left</th>
                    <th className="num">Redeemed</th>
                    <th>
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {d.rewards.map((r) => (
                    <RewardRows key={r.id} r={r} currency={currency} tiers={tiers} editing={editing === r.id} pool={pool === r.id} setEditing={setEditing} setPool={setPool} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
        {q.data?.rewards.map((r) =>
          editing === r.id || pool === r.id ? (
            <div key={r.id} className="loy-panel">
              {editing === r.id ? <RewardForm initial={r} tiers={tiers} onDone={() => setEditing(null)} /> : null}
              {pool === r.id ? <CodePool reward={r} /> : null}
            </div>
          ) : null,
        )}
      </Card>
      <RedemptionsCard />
    </div>
  );
}

function RewardRows({
  r,
  currency,
  tiers,
  editing,
  pool,
  setEditing,
  setPool,
}: {
  r: RewardView;
  currency: string;
  tiers: Array<{ key: string; name: string }>;
  editing: boolean;
  pool: boolean;
  setEditing: (id: string | null) => void;
  setPool: (id: string | null) => void;
}) {
  const low = r.codesLeft !== null && r.codesLeft < 10;
  return (
    <>
      <tr data-reward={r.id}>
        <td>
          <strong>{r.name}</strong> {r.active ? null : <Badge>inactive</Badge>}
          {r.minTier ? <Badge tone="accent">{tiers.find((t) => t.key === r.minTier)?.name ?? r.minTier}+</Badge> : null}
          {r.description ? <div className="muted">{r.description}</div> : null}
        </td>
        <td>{KIND_LABEL[r.kind]}</td>
        <td className="num">{fmtNumber(r.cost)}</td>
        <td className="num">{fmtMoney(r.value, currency)}</td>
        <td className="num" data-testid="codes-left">
          {r.codesLeft === null ? <span className="muted">—</span> : low ? <Badge tone="warn">{fmtNumber(r.codesLeft)}</Badge> : fmtNumber(r.codesLeft)}
        </td>
        <td className="num">{fmtNumber(r.redeemed)}</td>
        <td className="row">
          <button type="button" className="btn btn-small" onClick={() => setEditing(editing ? null : r.id)}>
            Edit <span className="sr-only">{r.name}</span>
          </button>
          {r.kind === 'discount_code' && r.codes?.source !== 'generate' ? (
            <button type="button" className="btn btn-small" onClick={() => setPool(pool ? null : r.id)}>
              Codes <span className="sr-only">of {r.name}</span>
            </button>
          ) : null}
        </td>
      </tr>
    </>
  );
}

const STATUS_TONE = { issued: 'info', used: 'good', cancelled: 'neutral', clawed_back: 'bad' } as const;

/** The latest redemptions, newest first, with the code given. */
export function RedemptionsCard({ customer }: { customer?: string }) {
  const q = useApi('/api/loyalty/redemptions', { query: { customer, limit: 100 } });
  return (
    <Card title={customer ? 'Redemptions' : 'Latest redemptions'}>
      <QueryView query={q} empty={{ title: 'No redemptions yet' }} isEmpty={(d) => d.redemptions.length === 0}>
        {(d) => (
          <div className="table-wrap">
            <table aria-label="Redemptions">
              <thead>
                <tr>
                  <th>When</th>
                  {customer ? null : <th>Customer</th>}
                  <th>Reward</th>
                  <th className="num">Points</th>
                  <th>Code</th>
                  <th>Via</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {d.redemptions.map((x) => (
                  <tr key={x.id}>
                    <td>{fmtDateTime(x.createdAt)}</td>
                    {customer ? null : <td>{x.userId ? <Link to={`/customers/${encodeURIComponent(x.userId)}`}>{x.userId}</Link> : `#${x.customerId}`}</td>}
                    <td>{x.rewardName}</td>
                    <td className="num">{fmtNumber(x.points)}</td>
                    <td>{x.code ? <code>{x.code}</code> : <span className="muted">—</span>}</td>
                    <td>{x.channel}</td>
                    <td>
                      <Badge tone={STATUS_TONE[x.status]}>{x.status.replace('_', ' ')}</Badge>
                    </td>
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
