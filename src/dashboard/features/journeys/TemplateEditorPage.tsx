import { PageHeader } from '../../components/layout.js';
import type { PageProps } from '../../routes.js';

/** Placeholder until this page is built. */
export default function TemplateEditorPage(_props: PageProps) {
  return <PageHeader title="TemplateEditorPage" subtitle="Coming soon" />;
}
