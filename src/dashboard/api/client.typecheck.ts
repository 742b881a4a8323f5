import { api, download } from './client.js';
import { useApi } from './hooks.js';

/**
 * Compile-time checks of the typed client, never run and never bundled (nothing imports this
 * file): each call marked @ts-expect-error must stay an error, or `tsc -p tsconfig.dashboard.json`
 * fails because the marker is unused.
 */
export function typedClientChecks(): void {
  // @ts-expect-error a path the route map does not have
  void api.get('/api/segmentz');
  // @ts-expect-error a route of another method
  void api.get('/api/segments/preview');
  // @ts-expect-error a path parameter left out
  void api.get('/api/segments/:id');
  // @ts-expect-error a path parameter under another name
  void api.get('/api/segments/:id', { params: { key: 'x' } });
  // @ts-expect-error a body without the route's required fields
  void api.post('/api/segments', { body: { name: 'x' } });
  // @ts-expect-error a body where the route takes none
  void api.post('/api/journeys/:id/pause', { params: { id: 'x' }, body: {} });
  // @ts-expect-error a query value outside the route's enum
  void api.get('/api/tasks', { query: { status: 'someday' } });
  // @ts-expect-error the answer is the route's type, not any other
  const answer: Promise<number> = api.get('/api/segments');
  void answer;
  // @ts-expect-error a CSV route is a download, not JSON
  void api.get('/api/segments/:id/members.csv', { params: { id: 'x' } });
  // @ts-expect-error a JSON route is not a download
  void download('/api/segments', {}, 'segments.csv');
  // @ts-expect-error useApi needs the request (or null) when the route has path parameters
  useApi('/api/jobs/:id');
}
