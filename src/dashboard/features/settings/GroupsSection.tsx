import { api } from '../../api/client.js';
import { useState, type FormEvent } from 'react';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { Badge, Card } from '../../components/layout.js';
import { fmtDate } from '../../components/format.js';
import { QueryView } from '../../components/states.js';
import type { z } from 'zod';
import type { SubscriptionGroupView } from '../../../contracts/messaging.js';
import { FieldNote, FormError, serverErrorFor } from './forms.js';
import { CHANNELS, channelLabel, type ChannelValue } from './options.js';

type Group = z.infer<typeof SubscriptionGroupView>;
const INVALIDATES = ['/api/subscription-groups'];

/** Subscription groups: what customers can subscribe to or leave, per channel. */
export function GroupsSection() {
  const q = useApi('/api/subscription-groups');
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <Card title="Subscription groups">
      <p className="muted set-help">
        A send step can name a group: opt-out groups reach everyone who has not unsubscribed, opt-in groups only those who subscribed. The channel and the rule are fixed once made.
      </p>
      <QueryView query={q} empty={{ title: 'No subscription groups yet', hint: 'Create one below, e.g. “Newsletter” on email.' }} isEmpty={(d) => d.groups.length === 0}>
        {(d) => (
          <ul className="set-groups" aria-label="Subscription groups list">
            {d.groups.map((g) => (
              <li key={g.id} className="set-group">
                {editing === g.id ? <EditGroup group={g} onDone={() => setEditing(null)} /> : <GroupRow group={g} onEdit={() => setEditing(g.id)} />}
              </li>
            ))}
          </ul>
        )}
      </QueryView>
      <CreateGroup />
    </Card>
  );
}

function GroupRow({ group: g, onEdit }: { group: Group; onEdit: () => void }) {
  const [confirm, setConfirm] = useState(false);
  const del = useApiMutation(() => api.delete('/api/subscription-groups/:id', { params: { id: g.id } }), { invalidates: INVALIDATES });
  return (
    <div className="stack">
      <div className="row">
        <strong>{g.name}</strong>
        <code className="muted">{g.id}</code>
        <Badge tone="info">{channelLabel(g.channel)}</Badge>
        <Badge tone={g.optIn ? 'accent' : 'neutral'}>{g.optIn ? 'opt-in' : 'opt-out'}</Badge>
        <span className="muted">since {fmtDate(g.createdAt)}</span>
        <span className="spacer" />
        <button type="button" className="btn btn-small" onClick={onEdit} aria-label={`Edit ${g.name}`}>
          Edit
        </button>
        {!confirm ? (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setConfirm(true)} aria-label={`Delete ${g.name}`}>
            Delete
          </button>
        ) : (
          <>
            <button type="button" className="btn btn-small btn-danger" disabled={del.isPending} onClick={() => del.mutate()} aria-label={`Yes, delete ${g.name}`}>
              {del.isPending ? 'Deleting…' : 'Yes, delete'}
            </button>
            <button
              type="button"
              className="btn btn-small btn-ghost"
              onClick={() => {
                setConfirm(false);
                del.reset();
              }}
            >
              Cancel
            </button>
          </>
        )}
      </div>
      {g.description ? <p className="muted set-desc">{g.description}</p> : null}
      {confirm && !del.error ? <p className="muted">Deleting forgets every customer’s choice for this group.</p> : null}
      <FormError error={del.error} fields={[]} />
    </div>
  );
}

function EditGroup({ group: g, onDone }: { group: Group; onDone: () => void }) {
  const [name, setName] = useState(g.name);
  const [description, setDescription] = useState(g.description);
  const [nameError, setNameError] = useState<string>();
  const save = useApiMutation((body: { name: string; description: string }) => api.put('/api/subscription-groups/:id', { params: { id: g.id }, body }), {
    invalidates: INVALIDATES,
    onSuccess: onDone,
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return setNameError('A group needs a name.');
    setNameError(undefined);
    save.mutate({ name: name.trim(), description });
  }
  const nErr = nameError ?? serverErrorFor(save.error, 'name');
  return (
    <form className="stack" onSubmit={submit} aria-label={`Edit group ${g.id}`} noValidate>
      <div className="grid grid-2">
        <label className="field">
          <span>Group name</span>
          <input aria-label="Group name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} aria-invalid={nErr ? true : undefined} />
          <FieldNote id={`grp-${g.id}-name`} message={nErr} />
        </label>
        <label className="field">
          <span>Description</span>
          <input aria-label="Description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} />
        </label>
      </div>
      <FormError error={save.error} fields={['name']} />
      <div className="row">
        <button type="submit" className="btn btn-primary btn-small" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save group'}
        </button>
        <button type="button" className="btn btn-ghost btn-small" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function CreateGroup() {
  const [name, setName] = useState('');
  const [id, setId] = useState('');
  const [channel, setChannel] = useState<ChannelValue>('email');
  const [optIn, setOptIn] = useState(false);
  const [description, setDescription] = useState('');
  const [local, setLocal] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<string | null>(null);
  const create = useApiMutation((body: { id?: string; name: string; description: string; channel: ChannelValue; optIn: boolean }) => api.post('/api/subscription-groups', { body }), {
    invalidates: INVALIDATES,
    onSuccess: (g) => {
      setCreated(`Created “${g.name}” (${g.id}).`);
      setName('');
      setId('');
      setDescription('');
      setOptIn(false);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    const errs: Record<string, string> = {};
    if (!name.trim()) errs.name = 'A group needs a name.';
    if (id && !/^[A-Za-z0-9_-]{1,64}$/.test(id)) errs.id = 'Letters, digits, “-” and “_”, at most 64.';
    setLocal(errs);
    if (Object.keys(errs).length) return;
    create.mutate({ ...(id ? { id } : {}), name: name.trim(), description, channel, optIn });
  }
  const err = (f: string) => local[f] ?? serverErrorFor(create.error, f);
  return (
    <form className="stack set-create" onSubmit={submit} aria-label="New subscription group" noValidate>
      <h3>New group</h3>
      <div className="grid grid-4">
        <label className="field">
          <span>New group name</span>
          <input aria-label="New group name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} placeholder="Newsletter" aria-invalid={err('name') ? true : undefined} />
          <FieldNote id="grp-new-name" message={err('name')} />
        </label>
        <label className="field">
          <span>Id (optional)</span>
          <input aria-label="Id (optional)" value={id} onChange={(e) => setId(e.target.value)} maxLength={64} placeholder="made from the name" aria-invalid={err('id') ? true : undefined} />
          <FieldNote id="grp-new-id" message={err('id')} />
        </label>
        <label className="field">
          <span>Group channel</span>
          <select aria-label="Group channel" value={channel} onChange={(e) => setChannel(e.target.value as ChannelValue)}>
            {CHANNELS.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Group description</span>
          <input aria-label="Group description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} />
        </label>
      </div>
      <label className="set-check">
        <input type="checkbox" checked={optIn} onChange={(e) => setOptIn(e.target.checked)} /> Opt-in: only customers who subscribed get these messages
      </label>
      <FormError error={create.error} fields={['name', 'id']} />
      {created && !create.error ? (
        <p className="form-ok" role="status">
          {created}
        </p>
      ) : null}
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create group'}
        </button>
      </div>
    </form>
  );
}
