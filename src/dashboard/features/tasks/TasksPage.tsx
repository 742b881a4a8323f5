import { PageHeader } from '../../components/layout.js';
import type { PageProps } from '../../routes.js';

/** Placeholder until this page is built. */
export default function TasksPage(_props: PageProps) {
  return <PageHeader title="TasksPage" subtitle="Coming soon" />;
}
