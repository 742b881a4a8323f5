import { PageHeader } from '../../components/layout.js';
import type { PageProps } from '../../routes.js';

/** Placeholder until this page is built. */
export default function SegmentsPage(_props: PageProps) {
  return <PageHeader title="SegmentsPage" subtitle="Coming soon" />;
}
