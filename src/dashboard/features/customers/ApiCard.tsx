import type { ReactNode } from 'react';
import { useApi } from '../../api/hooks.js';
import { Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';

/**
 * A card that reads one API path and shows its own loading, empty and error states, so
 * one failing endpoint never blanks the rest of the page.
 */
export function ApiCard<T>({
  title,
  path,
  empty,
  isEmpty,
  className,
  actions,
  children,
}: {
  title: string;
  path: string;
  empty: { title: string; hint?: ReactNode };
  isEmpty: (d: T) => boolean;
  className?: string;
  actions?: ReactNode;
  children: (d: T) => ReactNode;
}) {
  const query = useApi<T>(path);
  return (
    <Card title={title} className={className} actions={actions}>
      <QueryView query={query} empty={empty} isEmpty={isEmpty} height={80}>
        {children}
      </QueryView>
    </Card>
  );
}
