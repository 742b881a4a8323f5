import { z } from 'zod';
import { AccountDetail, CustomerDetail, CustomerList, CustomerListQuery, EventList, EventListQuery } from './admin.js';
import { DemoStatusView } from './demo.js';
import { EraseInput, ErasureReceipt, PrivacyRequestList, PrivacyRequestQuery, PrivacyRequestView, RegulationInput, SuppressionList, SuppressionQuery } from './privacy.js';
import { HealthView } from './health.js';
import { ImportList, ImportPreview, ImportQuery, ImportView, RejectionPage, RejectionQuery } from './imports.js';
import { CustomerJourneyRuns, type JourneyDefinition, JourneyAudience, JourneyInput, JourneyList, JourneyStatsView, JourneyView, PublishInput } from './journey.js';
import { Distribution, DistributionQuery, Flows, FlowsQuery, JobView, type LifecycleModel, LifecycleModelSchema, ModelSaved, ModelView, PresetsView, StageHistory, StageStats } from './lifecycle.js';
import { LiveBacklog, LiveQuery } from './live.js';
import {
  AcceptInvitationInput,
  InvitationPreview,
  InvitationView as TeamInvitationView,
  InviteInput,
  MemberList,
  MemberPatch,
  MemberView as TeamMemberView,
  MyTasksQuery,
  PasswordChangeInput,
  PasswordResetInput,
  PasswordResetRequest,
} from './team.js';
import { AdjustInput, EntryResultView, LedgerPage, LiabilityReport, LiftReport, MemberView, ProgrammeInput, ProgrammeView, RedemptionView, RewardInput, RewardView } from './loyalty.js';
import {
  ChannelsView,
  CustomerSubscriptions,
  MessageDetail,
  MessageList,
  MessageQuery,
  MessagingSettingsInput,
  SubscriptionGroupInput,
  SubscriptionGroupList,
  SubscriptionGroupRename,
  SubscriptionGroupView,
  TaskPatch,
  TaskQuery,
  TaskView,
  TemplateInput,
  TemplatePreview,
  TemplatePreviewInput,
  TemplateView,
} from './messaging.js';
import { Breakdown, CohortRetention, Funnel, Interval, MetricBreakdown, MetricCatalogue, MetricSeries } from './metrics.js';
import { ChurnTrainInput, ChurnTrainStarted, CustomerPredictions, CustomerRecommendations, PredictionModelList } from './predictions.js';
import { ProviderInput, ProvidersView, ProviderTestInput, ProviderTestResult } from './providers.js';
import {
  CohortList,
  CohortQuery,
  CustomerSegments,
  RfmView,
  SegmentInput,
  SegmentList,
  SegmentMembersQuery,
  SegmentPreview,
  SegmentPreviewInput,
  SegmentSaved,
  SegmentView,
} from './segment-definition.js';
import { CodeInput, CodeView, DecisionInput, LeaderboardRow, ReferralListQuery, ReferralSettingsSchema, ReferralView } from './referrals.js';
import { ConsentRecordList, PropertyPurged, PropertyPurgeInput } from './privacy.js';
import { SourcesUpdate, SourcesView } from './sources.js';
import { AuditPage, AuditQuery } from './audit.js';
import { FollowUpList, FollowUpQuery, ResponseList, ResponsesQuery, ResultsQuery, SurveyResults } from './survey-results.js';
import { HelpdeskConnectionCreate, HelpdeskConnectionList, HelpdeskConnectionUpdate, HelpdeskConnectionView, HelpdeskDeliveryList, HelpdeskDeliveryQuery, HelpdeskRematch } from './support.js';
import { InvitationStatus, InvitationView, SurveyBroadcast, SurveyCreate, SurveyDefinitionSchema, SurveySettingsSchema, SurveyUpdate, SurveyView } from './surveys.js';
import { SpendList, SpendQuery } from './spend.js';
import {
  ApiKeyCreate,
  ApiKeyCreated,
  ApiKeyList,
  ApiKeyView,
  MeView,
  SignedIn,
  SignInInput,
  WorkspaceCreate,
  WorkspaceCreated,
  WorkspaceDeleteInput,
  WorkspaceDeletion,
  WorkspaceList,
} from './team.js';
import { KeysView, RotatedKeys, RotateKeysInput, WorkspacePatch, WorkspacePatched, WorkspaceView } from './workspace.js';
import { WorkRetried, WorkRetryInput, WorkStatusView } from './work.js';

/**
 * What a route answers when the answer is not JSON: a CSV file (downloaded with the admin
 * key), a ZIP archive (a person's data export) or a stream of server-sent events. The typed
 * JSON client refuses these routes.
 */
export type RawAnswer = 'csv' | 'event-stream' | 'zip';

/** One admin API route: its query and JSON body (what the server validates), and its success answer. */
export interface RouteSpec {
  query?: z.ZodType;
  body?: z.ZodType;
  /** The body is a file sent as it is (a CSV upload), not JSON. */
  upload?: true;
  response: z.ZodType | RawAnswer;
}

// Schemas the routes declare inline (they are not in a contract module yet), copied here from
// the route files named beside them; src/server/http/api-routes.http.test.ts checks that each
// copy still matches the route's own.

/** GET /api/templates (templates.routes.ts). */
const TemplateList = z.object({ templates: z.array(TemplateView) });
/** POST /api/templates: a template, with `id` to choose it (templates.routes.ts). */
const TemplateCreate = TemplateInput.extend({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "-" and "_"')
    .optional(),
});
/** The range every metric query takes (metrics.routes.ts). */
const Range = { from: z.string(), to: z.string() };
/** GET /api/metrics/:name: any key beyond these is a metric parameter (metrics.routes.ts). */
const MetricQuery = z.looseObject({
  ...Range,
  interval: Interval.default('month'),
  segment: z.string().optional(),
  stage: z.string().optional(),
  channel: z.string().optional(),
  cohort: z.string().optional(),
});
const BreakdownQuery = z.looseObject({ ...Range, by: Breakdown });
const RetentionQuery = z.strictObject({
  ...Range,
  interval: Interval.default('month'),
  cohortEvent: z.string().min(1).max(200).default('Signed Up'),
  returnEvent: z.string().max(200).optional(),
  measure: z.enum(['customers', 'revenue']).default('customers'),
});
const FunnelQuery = z.strictObject({ ...Range, steps: z.string().min(1), within: z.string().default('7d') });
/** GET /api/lifecycle/stages/:key (lifecycle.routes.ts). */
const StageStatsQuery = z.object({ scope: z.enum(['customer', 'account']).default('customer') });
/** POST /api/surveys/preview: an unsaved definition rendered for every channel and the answer page (surveys.routes.ts). */
const SurveyPreviewInput = z.strictObject({ definition: SurveyDefinitionSchema });
const SurveyPreview = z.object({
  email: z.object({ subject: z.string(), html: z.string(), text: z.string() }),
  sms: z.string(),
  inapp: z.object({ subject: z.string(), text: z.string(), html: z.string() }),
  page: z.string(),
});
/** GET /api/surveys/:id/invitations (surveys.routes.ts). */
const InvitationQuery = z.object({ status: InvitationStatus.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });
/** GET /api/loyalty/members/:id/ledger (loyalty.routes.ts). */
const LedgerQuery = z.object({ before: z.coerce.number().int().positive().optional() });
/** POST /api/loyalty/rewards/:id/codes: a text body, one code per line (loyalty-rewards.routes.ts). */
const CodesAdded = z.object({ added: z.number().int(), duplicates: z.number().int(), blanks: z.number().int(), codesLeft: z.number().int() });
/** GET /api/loyalty/members/:id/link: the customer's signed link to their own balance (loyalty-rewards.routes.ts). */
const MemberLink = z.object({ url: z.string(), expiresAt: z.string() });
const LiftQuery = z.object({ windowDays: z.coerce.number().int().min(1).max(3650).default(180) });
const RedemptionQuery = z.object({ customer: z.string().min(1).max(512).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });
const ReferralList = z.object({ referrals: z.array(ReferralView), nextCursor: z.string().nullable() });
/** A 204 answer. */
const NoContent = z.null();

/**
 * Every admin API route the dashboard calls, by method and path pattern (`:name` is a path
 * parameter). The schemas are the ones the server validates with, so a changed contract
 * changes the dashboard's types too. src/server/http/api-routes.http.test.ts checks that the
 * server registers every route here and validates what the map says.
 */
export const API_ROUTES = {
  'GET /api/workspace': { response: WorkspaceView },
  'PATCH /api/workspace': { body: WorkspacePatch, response: WorkspacePatched },
  'GET /api/workspace/keys': { response: KeysView },
  'POST /api/workspace/keys/rotate': { body: RotateKeysInput, response: RotatedKeys },
  'GET /api/demo/status': { response: DemoStatusView },

  'POST /api/auth/signin': { body: SignInInput, response: SignedIn },
  'POST /api/auth/signout': { response: NoContent },
  'GET /api/auth/me': { response: MeView },
  'GET /api/keys': { response: ApiKeyList },
  'POST /api/keys': { body: ApiKeyCreate, response: ApiKeyCreated },
  'DELETE /api/keys/:id': { response: ApiKeyView },
  'GET /api/workspaces': { response: WorkspaceList },
  'POST /api/workspaces': { body: WorkspaceCreate, response: WorkspaceCreated },
  'DELETE /api/workspace': { body: WorkspaceDeleteInput, response: WorkspaceDeletion },
  'POST /api/workspace/restore': { response: WorkspaceDeletion },
  'GET /api/work': { response: WorkStatusView },
  'POST /api/work/retry': { body: WorkRetryInput, response: WorkRetried },

  'GET /api/lifecycle/model': { response: ModelView },
  'PUT /api/lifecycle/model': { body: LifecycleModelSchema, response: ModelSaved },
  'GET /api/lifecycle/presets': { response: PresetsView },
  'GET /api/lifecycle/distribution': { query: DistributionQuery, response: Distribution },
  'GET /api/lifecycle/flows': { query: FlowsQuery, response: Flows },
  'GET /api/lifecycle/stages/:key': { query: StageStatsQuery, response: StageStats },
  'GET /api/jobs/:id': { response: JobView },

  'GET /api/customers': { query: CustomerListQuery, response: CustomerList },
  'GET /api/customers/:id': { response: CustomerDetail },
  'GET /api/customers/:id/events': { query: EventListQuery, response: EventList },
  'GET /api/customers/:id/stages': { response: StageHistory },
  'GET /api/customers/:id/health': { response: HealthView },
  'GET /api/customers/:id/predictions': { response: CustomerPredictions },
  'GET /api/customers/:id/segments': { response: CustomerSegments },
  'GET /api/customers/:id/messages': { response: MessageList },
  'GET /api/customers/:id/journeys': { response: CustomerJourneyRuns },
  'GET /api/customers/:id/recommendations': { response: CustomerRecommendations },
  'GET /api/customers/:id/subscriptions': { response: CustomerSubscriptions },
  'GET /api/accounts/:id': { response: AccountDetail },
  'GET /api/accounts/:id/stages': { response: StageHistory },
  'GET /api/accounts/:id/health': { response: HealthView },

  'GET /api/segments': { response: SegmentList },
  'POST /api/segments': { body: SegmentInput, response: SegmentSaved },
  'POST /api/segments/preview': { body: SegmentPreviewInput, response: SegmentPreview },
  'GET /api/segments/:id': { response: SegmentView },
  'PUT /api/segments/:id': { body: SegmentInput, response: SegmentSaved },
  'DELETE /api/segments/:id': { response: NoContent },
  'GET /api/segments/:id/members.csv': { query: SegmentMembersQuery.pick({ at: true }), response: 'csv' },
  'GET /api/rfm': { response: RfmView },
  'POST /api/rfm/recompute': { response: z.object({ job: JobView }) },
  'GET /api/cohorts': { query: CohortQuery, response: CohortList },

  'GET /api/metrics': { response: MetricCatalogue },
  'GET /api/metrics/:name': { query: MetricQuery, response: MetricSeries },
  'GET /api/metrics/:name/breakdown': { query: BreakdownQuery, response: MetricBreakdown },
  'GET /api/cohorts/retention': { query: RetentionQuery, response: CohortRetention },
  'GET /api/funnels': { query: FunnelQuery, response: Funnel },
  'GET /api/spend': { query: SpendQuery, response: SpendList },
  'GET /api/predictions/models': { response: PredictionModelList },
  'POST /api/predictions/churn/train': { body: ChurnTrainInput, response: ChurnTrainStarted },

  'GET /api/journeys': { response: JourneyList },
  'POST /api/journeys': { body: JourneyInput, response: JourneyView },
  'GET /api/journeys/:id': { response: JourneyView },
  'PUT /api/journeys/:id': { body: JourneyInput, response: JourneyView },
  'POST /api/journeys/:id/publish': { body: PublishInput.nullable().optional(), response: JourneyView },
  'POST /api/journeys/:id/pause': { response: JourneyView },
  'GET /api/journeys/:id/audience': { response: JourneyAudience },
  'GET /api/journeys/:id/stats': { response: JourneyStatsView },
  'GET /api/templates': { response: TemplateList },
  'POST /api/templates': { body: TemplateCreate, response: TemplateView },
  'POST /api/templates/preview': { body: TemplatePreviewInput.extend({ template: TemplateInput }), response: TemplatePreview },
  'GET /api/templates/:id': { response: TemplateView },
  'PUT /api/templates/:id': { body: TemplateInput, response: TemplateView },
  'POST /api/templates/:id/test-send': { body: z.strictObject({ customerId: z.string().min(1) }), response: z.object({ messageId: z.number().int() }) },
  'GET /api/messages': { query: MessageQuery, response: MessageList },
  'GET /api/messages/:id': { response: MessageDetail },
  'GET /api/tasks': { query: TaskQuery, response: z.object({ tasks: z.array(TaskView) }) },
  'PATCH /api/tasks/:id': { body: TaskPatch, response: TaskView },

  'GET /api/surveys': { response: z.object({ surveys: z.array(SurveyView) }) },
  'POST /api/surveys': { body: SurveyCreate, response: SurveyView },
  'POST /api/surveys/preview': { body: SurveyPreviewInput, response: SurveyPreview },
  'GET /api/surveys/:id': { response: SurveyView },
  'PUT /api/surveys/:id': { body: SurveyUpdate, response: SurveyView },
  'POST /api/surveys/:id/broadcast': { body: SurveyBroadcast, response: z.object({ round: z.string(), invited: z.number() }) },
  'GET /api/surveys/:id/invitations': { query: InvitationQuery, response: z.object({ invitations: z.array(InvitationView) }) },
  'GET /api/surveys/:id/results': { query: ResultsQuery, response: SurveyResults },
  'GET /api/surveys/:id/responses': { query: ResponsesQuery, response: ResponseList },
  'GET /api/survey-follow-ups': { query: FollowUpQuery, response: FollowUpList },
  'GET /api/survey-settings': { response: SurveySettingsSchema },
  'PUT /api/survey-settings': { body: SurveySettingsSchema, response: SurveySettingsSchema },

  'GET /api/loyalty/programme': { response: ProgrammeView },
  'PUT /api/loyalty/programme': { body: ProgrammeInput, response: ProgrammeView },
  'GET /api/loyalty/members/:id': { response: MemberView },
  'GET /api/loyalty/members/:id/ledger': { query: LedgerQuery, response: LedgerPage },
  'POST /api/loyalty/members/:id/adjust': { body: AdjustInput, response: EntryResultView },
  'GET /api/loyalty/members/:id/link': { response: MemberLink },
  'GET /api/loyalty/rewards': { response: z.object({ rewards: z.array(RewardView) }) },
  'POST /api/loyalty/rewards': { body: RewardInput, response: RewardView },
  'PUT /api/loyalty/rewards/:id': { body: RewardInput.partial({ id: true }), response: RewardView },
  'POST /api/loyalty/rewards/:id/codes': { upload: true, response: CodesAdded },
  'GET /api/loyalty/redemptions': { query: RedemptionQuery, response: z.object({ redemptions: z.array(RedemptionView) }) },
  'GET /api/loyalty/reports/liability': { response: LiabilityReport },
  'GET /api/loyalty/reports/lift': { query: LiftQuery, response: LiftReport },
  'GET /api/referrals/settings': { response: ReferralSettingsSchema },
  'PUT /api/referrals/settings': { body: ReferralSettingsSchema, response: ReferralSettingsSchema },
  'POST /api/referrals/codes': { body: CodeInput, response: CodeView },
  'GET /api/referrals/codes': { query: z.object({ customer: z.string().min(1).max(200).optional() }), response: z.object({ codes: z.array(CodeView) }) },
  'GET /api/referrals': { query: ReferralListQuery, response: ReferralList },
  'POST /api/referrals/:id/decision': { body: DecisionInput, response: ReferralView },
  'GET /api/referrals/leaderboard': { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }), response: z.object({ advocates: z.array(LeaderboardRow) }) },

  'GET /api/channels': { response: ChannelsView },
  'GET /api/providers': { response: ProvidersView },
  'PUT /api/providers/:channel': { body: ProviderInput, response: ProvidersView },
  'DELETE /api/providers/:channel': { response: ProvidersView },
  'POST /api/providers/:channel/test': { body: ProviderTestInput, response: ProviderTestResult },
  'GET /api/messaging/settings': { response: MessagingSettingsInput },
  'PUT /api/messaging/settings': { body: MessagingSettingsInput, response: MessagingSettingsInput },
  'GET /api/subscription-groups': { response: SubscriptionGroupList },
  'POST /api/subscription-groups': { body: SubscriptionGroupInput, response: SubscriptionGroupView },
  'PUT /api/subscription-groups/:id': { body: SubscriptionGroupRename, response: SubscriptionGroupView },
  'DELETE /api/subscription-groups/:id': { response: NoContent },

  'GET /api/helpdesk/connections': { response: HelpdeskConnectionList },
  'POST /api/helpdesk/connections': { body: HelpdeskConnectionCreate, response: HelpdeskConnectionView },
  'GET /api/helpdesk/connections/:id': { response: HelpdeskConnectionView },
  'PUT /api/helpdesk/connections/:id': { body: HelpdeskConnectionUpdate, response: HelpdeskConnectionView },
  'DELETE /api/helpdesk/connections/:id': { response: NoContent },
  'GET /api/helpdesk/connections/:id/deliveries': { query: HelpdeskDeliveryQuery, response: HelpdeskDeliveryList },
  'POST /api/helpdesk/connections/:id/rematch': { response: HelpdeskRematch },

  'GET /api/sources': { response: SourcesView },
  'PATCH /api/sources': { body: SourcesUpdate, response: SourcesView },
  'GET /api/sources/live': { query: LiveQuery, response: 'event-stream' },
  'GET /api/sources/live/recent': { query: LiveQuery, response: LiveBacklog },
  'GET /api/imports': { response: ImportList },
  'POST /api/imports': { query: ImportQuery, upload: true, response: ImportView },
  'POST /api/imports/preview': { query: ImportQuery, upload: true, response: ImportPreview },
  'GET /api/imports/:id': { response: ImportView },
  'GET /api/imports/:id/rejections': { query: RejectionQuery, response: RejectionPage },
  'GET /api/imports/:id/rejections.csv': { response: 'csv' },
  'POST /api/imports/:id/cancel': { response: ImportView },
  'POST /api/privacy/regulations': { body: RegulationInput, response: PrivacyRequestView },
  'GET /api/privacy/requests': { query: PrivacyRequestQuery, response: PrivacyRequestList },
  'GET /api/privacy/requests/:id': { response: PrivacyRequestView },
  'GET /api/privacy/suppressions': { query: SuppressionQuery, response: SuppressionList },
  'POST /api/customers/:id/erase': { body: EraseInput, response: ErasureReceipt },

  'GET /api/audit': { query: AuditQuery, response: AuditPage },
  'GET /api/audit.csv': { query: AuditQuery, response: 'csv' },

  'GET /api/customers/:id/export': { response: 'zip' },
  'GET /api/privacy/requests/:id/archive': { response: 'zip' },
  'GET /api/customers/:id/consents': { response: ConsentRecordList },
  'POST /api/privacy/purge-property': { body: PropertyPurgeInput, response: PropertyPurged },

  // Team: members, invitations, passwords, single sign-on (http/routes/members.routes.ts, account.routes.ts)
  'GET /api/members': { response: MemberList },
  'PATCH /api/members/:userId': { body: MemberPatch, response: TeamMemberView },
  'DELETE /api/members/:userId': { response: NoContent },
  'GET /api/invitations': { response: z.object({ invitations: z.array(TeamInvitationView) }) },
  'POST /api/invitations': { body: InviteInput, response: TeamInvitationView },
  'DELETE /api/invitations/:id': { response: NoContent },
  'GET /api/auth/invitations/:token': { response: InvitationPreview },
  'POST /api/auth/invitations/accept': { body: AcceptInvitationInput, response: SignedIn },
  'POST /api/auth/password': { body: PasswordChangeInput, response: SignedIn },
  'POST /api/auth/password-reset/request': { body: PasswordResetRequest, response: z.object({ message: z.string() }) },
  'POST /api/auth/password-reset': { body: PasswordResetInput, response: z.object({ message: z.string() }) },
  'GET /api/auth/oidc': { response: z.object({ enabled: z.boolean(), name: z.string().nullable() }) },
  'GET /api/tasks/mine': { query: MyTasksQuery, response: z.object({ tasks: z.array(TaskView) }) },
} as const satisfies Record<string, RouteSpec>;

export type ApiRoutes = typeof API_ROUTES;
export type ApiRoute = keyof ApiRoutes;
export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The path patterns of one method, e.g. ApiPath<'GET'> includes '/api/segments/:id'. */
export type ApiPath<M extends ApiMethod> = ApiRoute extends infer K ? (K extends `${M} ${infer P}` ? P : never) : never;

/** The names of a pattern's path parameters: ParamNames<'/api/segments/:id/members.csv'> is 'id'. */
export type ParamNames<P extends string> = P extends `${string}:${infer N}/${infer Rest}` ? N | ParamNames<`/${Rest}`> : P extends `${string}:${infer N}` ? N : never;

type Spec<M extends ApiMethod, P extends ApiPath<M>> = ApiRoutes[`${M} ${P}` & ApiRoute];

/** A journey with its definition typed (the server validated it when it was saved). */
type Journey = Omit<z.output<typeof JourneyView>, 'definition'> & { definition: JourneyDefinition };

/**
 * Answers whose schema types a part `unknown` (the lifecycle model, a journey's definition)
 * although the server validated that part when it was saved: what the part is. The only
 * place the dashboard trusts more than the response schema says.
 */
interface Narrowed {
  'GET /api/lifecycle/model': { version: number; model: LifecycleModel };
  'GET /api/lifecycle/presets': { presets: Array<{ name: z.output<typeof PresetsView>['presets'][number]['name']; model: LifecycleModel }> };
  'GET /api/journeys': { journeys: Journey[] };
  'POST /api/journeys': Journey;
  'GET /api/journeys/:id': Journey;
  'PUT /api/journeys/:id': Journey;
  'POST /api/journeys/:id/publish': Journey;
  'POST /api/journeys/:id/pause': Journey;
}

/** What the route answers on success (parsed JSON). */
export type ApiResponse<M extends ApiMethod, P extends ApiPath<M>> = `${M} ${P}` extends keyof Narrowed
  ? Narrowed[`${M} ${P}`]
  : Spec<M, P> extends { response: infer R extends z.ZodType }
    ? z.output<R>
    : never;
/** The query the route takes, as the caller writes it. */
export type ApiQuery<M extends ApiMethod, P extends ApiPath<M>> = Spec<M, P> extends { query: infer Q extends z.ZodType } ? z.input<Q> : never;
/** The JSON body the route takes, as the caller writes it. */
export type ApiBody<M extends ApiMethod, P extends ApiPath<M>> = Spec<M, P> extends { body: infer B extends z.ZodType } ? z.input<B> : never;
