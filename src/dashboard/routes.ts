import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { Permission } from '../contracts/team.js';

/** Every page gets its URL parameters (`:id`); query parameters come from useLocation(). */
export interface PageProps {
  params: Record<string, string>;
}

type Page = LazyExoticComponent<ComponentType<PageProps>>;

/**
 * The dashboard's pages, first match wins. Each page is its own chunk, so the journey
 * canvas (React Flow) and the charts (ECharts) load only where they are drawn.
 */
export const ROUTES: Array<{ pattern: string; page: Page; title: string }> = [
  { pattern: '/', page: lazy(() => import('./features/overview/OverviewPage.js')), title: 'Overview' },
  { pattern: '/lifecycle', page: lazy(() => import('./features/lifecycle/LifecyclePage.js')), title: 'Lifecycle' },
  { pattern: '/customers', page: lazy(() => import('./features/customers/CustomersPage.js')), title: 'Customers' },
  { pattern: '/customers/:id', page: lazy(() => import('./features/customers/CustomerPage.js')), title: 'Customer' },
  { pattern: '/accounts/:id', page: lazy(() => import('./features/customers/AccountPage.js')), title: 'Account' },
  { pattern: '/segments', page: lazy(() => import('./features/segments/SegmentsPage.js')), title: 'Segments' },
  { pattern: '/segments/new', page: lazy(() => import('./features/segments/SegmentEditorPage.js')), title: 'New segment' },
  { pattern: '/segments/:id', page: lazy(() => import('./features/segments/SegmentEditorPage.js')), title: 'Segment' },
  { pattern: '/analytics', page: lazy(() => import('./features/analytics/AnalyticsPage.js')), title: 'Analytics' },
  { pattern: '/predictions', page: lazy(() => import('./features/predictions/PredictionsPage.js')), title: 'Predictions' },
  { pattern: '/journeys', page: lazy(() => import('./features/journeys/JourneysPage.js')), title: 'Journeys' },
  { pattern: '/journeys/:id', page: lazy(() => import('./features/journeys/JourneyEditorPage.js')), title: 'Journey' },
  { pattern: '/templates', page: lazy(() => import('./features/journeys/TemplatesPage.js')), title: 'Templates' },
  { pattern: '/templates/:id', page: lazy(() => import('./features/journeys/TemplateEditorPage.js')), title: 'Template' },
  { pattern: '/outbox', page: lazy(() => import('./features/journeys/OutboxPage.js')), title: 'Outbox' },
  { pattern: '/tasks', page: lazy(() => import('./features/tasks/TasksPage.js')), title: 'Tasks' },
  { pattern: '/surveys', page: lazy(() => import('./features/surveys/SurveysPage.js')), title: 'Surveys' },
  { pattern: '/surveys/new', page: lazy(() => import('./features/surveys/SurveyEditorPage.js')), title: 'New survey' },
  { pattern: '/surveys/:id', page: lazy(() => import('./features/surveys/SurveyEditorPage.js')), title: 'Survey' },
  { pattern: '/surveys/:id/results', page: lazy(() => import('./features/surveys/SurveyResultsPage.js')), title: 'Survey results' },
  { pattern: '/loyalty', page: lazy(() => import('./features/loyalty/LoyaltyPage.js')), title: 'Loyalty' },
  { pattern: '/referrals', page: lazy(() => import('./features/referrals/ReferralsPage.js')), title: 'Referrals' },
  { pattern: '/sources', page: lazy(() => import('./features/sources/SourcesPage.js')), title: 'Sources' },
  { pattern: '/imports', page: lazy(() => import('./features/imports/ImportsPage.js')), title: 'Import' },
  { pattern: '/settings', page: lazy(() => import('./features/settings/SettingsPage.js')), title: 'Settings' },
  { pattern: '/privacy', page: lazy(() => import('./features/privacy/PrivacyPage.js')), title: 'Privacy' },
  { pattern: '/audit', page: lazy(() => import('./features/audit/AuditPage.js')), title: 'Audit log' },
];

/**
 * The sidebar, in the order of the lifecycle loop: see, know, act, follow up, configure. An
 * item with `needs` shows only to people (and keys) holding that permission (MeView.permissions).
 */
export const NAV: Array<{ to: string; label: string; icon: string; section?: string; needs?: Permission }> = [
  { to: '/', label: 'Overview', icon: '◎', section: 'Understand' },
  { to: '/lifecycle', label: 'Lifecycle', icon: '↻' },
  { to: '/customers', label: 'Customers', icon: '☺' },
  { to: '/segments', label: 'Segments', icon: '◔' },
  { to: '/analytics', label: 'Analytics', icon: '▤' },
  { to: '/predictions', label: 'Predictions', icon: '◭' },
  { to: '/journeys', label: 'Journeys', icon: '⇶', section: 'Act' },
  { to: '/templates', label: 'Templates', icon: '✉' },
  { to: '/outbox', label: 'Outbox', icon: '⇪' },
  { to: '/tasks', label: 'Tasks', icon: '✓' },
  { to: '/surveys', label: 'Surveys', icon: '☆' },
  { to: '/loyalty', label: 'Loyalty', icon: '♦' },
  { to: '/referrals', label: 'Referrals', icon: '⇆' },
  { to: '/sources', label: 'Sources', icon: '⇄', section: 'Configure' },
  { to: '/imports', label: 'Import', icon: '⇩', needs: 'data.write' },
  { to: '/settings', label: 'Settings', icon: '⚙' },
  { to: '/privacy', label: 'Privacy', icon: '◈', needs: 'privacy.manage' },
  { to: '/audit', label: 'Audit log', icon: '☰', needs: 'audit.read' },
];
