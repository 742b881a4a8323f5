import { PageHeader } from '../../components/layout.js';
import type { PageProps } from '../../routes.js';

/** Placeholder until this page is built. */
export default function JourneyEditorPage(_props: PageProps) {
  return <PageHeader title="JourneyEditorPage" subtitle="Coming soon" />;
}
