import type { ReactNode } from 'react';
import type { ApiResponse } from '../../../contracts/api-routes.js';
import type { ApiRequest, JsonPath } from '../../api/client.js';
import { useApi, type UseApiArgs } from '../../api/hooks.js';
import { Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';

/**
 * A card that reads one API route and shows its own loading, empty and error states, so
 * one failing endpoint never blanks the rest of the page.
 */
export function ApiCard<P extends JsonPath<'GET'>>({
  title,
  route,
  params,
  empty,
  isEmpty,
  className,
  actions,
  children,
}: {
  title: string;
  route: P;
  params: ApiRequest<'GET', P>['params'];
  empty: { title: string; hint?: ReactNode };
  isEmpty: (d: ApiResponse<'GET', P>) => boolean;
  className?: string;
  actions?: ReactNode;
  children: (d: ApiResponse<'GET', P>) => ReactNode;
}) {
  const query = useApi(route, ...([{ params }] as unknown as UseApiArgs<P>));
  return (
    <Card title={title} className={className} actions={actions}>
      <QueryView query={query} empty={empty} isEmpty={isEmpty} height={80}>
        {children}
      </QueryView>
    </Card>
  );
}
