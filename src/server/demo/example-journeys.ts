import { JourneyDefinitionSchema, type JourneyDefinitionInput } from '../../contracts/journey.js';
import type { TemplateInput } from '../../contracts/messaging.js';
import type { Db } from '../db/client.js';
import { compileTemplate } from '../channels/templates.js';
import { saveTemplate } from '../channels/templates.repo.js';
import { getJourney, insertJourney, liveJourney, publishJourney } from '../journeys/journeys.repo.js';
import { enterOnPublish } from '../journeys/time-triggers.js';
import { EV } from '../../contracts/events.js';

const email = (title: string, paragraphs: string[], cta?: { label: string; href: string }) =>
  `<mjml>
  <mj-head><mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /></mj-attributes></mj-head>
  <mj-body background-color="#f5f1eb">
    <mj-section background-color="#3b2a20"><mj-column><mj-text color="#f5f1eb" font-size="20px">Brewline Coffee</mj-text></mj-column></mj-section>
    <mj-section background-color="#ffffff"><mj-column>
      <mj-text font-size="22px" color="#3b2a20">${title}</mj-text>
${paragraphs.map((p) => `      <mj-text font-size="15px" line-height="1.5">${p}</mj-text>`).join('\n')}
${cta ? `      <mj-button background-color="#b5651d" href="${cta.href}">${cta.label}</mj-button>` : ''}
    </mj-column></mj-section>
    <mj-section><mj-column><mj-text font-size="12px" color="#7a6a5d">You get this because you have a Brewline account. <a href="{{ unsubscribe_url }}">Unsubscribe</a> · <a href="{{ preferences_url }}">Preferences</a></mj-text></mj-column></mj-section>
  </mj-body>
</mjml>`;

const hi = 'Hi {{ traits.first_name | default: "there" }},';

/** Templates of the example journeys (ids fixed so docs and tests can name them). */
export const EXAMPLE_TEMPLATES: Array<{ id: string; input: TemplateInput }> = [
  {
    id: 'welcome',
    input: {
      name: 'Welcome',
      channel: 'email',
      subject: 'Welcome to Brewline, {{ traits.first_name | default: "friend" }}',
      body: email('Welcome!', [hi, 'Thanks for joining. Tell us how you brew and we will match you with a roast.'], { label: 'Find my roast', href: 'https://brewline.example/roast-finder' }),
    },
  },
  {
    id: 'onboarding-tips',
    input: {
      name: 'Onboarding: brewing tips',
      channel: 'email',
      subject: 'Three ways to a better cup',
      body: email('Better coffee at home', [hi, 'Grind fresh, weigh your beans (1:16), and use water just off the boil.'], {
        label: 'Read the brew guide',
        href: 'https://brewline.example/brew-guide',
      }),
    },
  },
  {
    id: 'first-order-offer',
    input: {
      name: 'Onboarding: first order',
      channel: 'email',
      subject: '10% off your first bag',
      body: email('Your first bag is on us (almost)', [hi, 'Use code FIRSTCUP for 10% off your first order this week.'], { label: 'Shop beans', href: 'https://brewline.example/shop' }),
    },
  },
  {
    id: 'trial-nudge',
    input: {
      name: 'Trial: convert',
      channel: 'email',
      subject: 'Your trial ends soon',
      body: email('Keep the coffee coming', [hi, 'Your subscription trial ends in a few days. Pick a plan to keep your deliveries.'], {
        label: 'Choose a plan',
        href: 'https://brewline.example/plans',
      }),
    },
  },
  {
    id: 'trial-sms',
    input: { name: 'Trial: last call (SMS)', channel: 'sms', body: 'Brewline: your trial ends tomorrow. Keep your deliveries: https://brewline.example/plans Reply STOP to opt out.' },
  },
  {
    id: 'cart-reminder',
    input: {
      name: 'Abandoned checkout',
      channel: 'email',
      subject: 'You left something in your cart',
      body: email(
        'Still thinking it over?',
        [
          hi,
          'Your cart is saved{% if event.properties.value %} ({{ event.properties.value }} {{ event.properties.currency | default: "USD" }}){% endif %}. Complete your order whenever you are ready.',
        ],
        { label: 'Back to my cart', href: 'https://brewline.example/cart' },
      ),
    },
  },
  {
    id: 'review-request',
    input: {
      name: 'Post-purchase review',
      channel: 'email',
      subject: 'How was your coffee?',
      body: email('How did we do?', [hi, 'You have had your order for a week. A short review helps other coffee lovers choose.'], {
        label: 'Write a review',
        href: 'https://brewline.example/reviews/new',
      }),
    },
  },
  {
    id: 'winback-a',
    input: {
      name: 'Win-back A: discount',
      channel: 'email',
      subject: 'We miss you: 20% off',
      body: email('It has been a while', [hi, 'Come back to 20% off your next order with code WELCOMEBACK.'], { label: 'Shop now', href: 'https://brewline.example/shop' }),
    },
  },
  {
    id: 'winback-b',
    input: {
      name: 'Win-back B: new roasts',
      channel: 'email',
      subject: 'New roasts since your last visit',
      body: email('New on the shelf', [hi, 'We have three new single origins. Have a look at what changed.'], { label: 'See new roasts', href: 'https://brewline.example/new' }),
    },
  },
  {
    id: 'referral-ask',
    input: {
      name: 'Loyalty: referral ask',
      channel: 'email',
      subject: 'Give 10, get 10',
      body: email('Share the good coffee', [hi, 'You are one of our regulars. Give a friend 10 off their first bag and get 10 yourself.'], {
        label: 'Invite a friend',
        href: 'https://brewline.example/refer',
      }),
    },
  },
  { id: 'referral-inapp', input: { name: 'Loyalty: referral (in-app)', channel: 'inapp', subject: 'Give 10, get 10', body: 'Invite a friend: they get 10 off, you get 10 in credit.' } },
];

const days = (amount: number) => ({ amount, unit: 'days' as const });
const hours = (amount: number) => ({ amount, unit: 'hours' as const });

/** The example journeys (published on the demo data): the lifecycle guides' standard automations. */
export const EXAMPLE_JOURNEYS: Array<{ id: string; name: string; description: string; definition: JourneyDefinitionInput; enterCurrent?: boolean }> = [
  {
    id: 'jny_welcome',
    name: 'Welcome and onboarding',
    description: 'Welcome on sign-up, brewing tips two days later, then on the next weekday morning (their time) a first-order offer. Ordering ends it.',
    definition: {
      trigger: { event: { name: EV.signedUp } },
      goal: { event: { name: EV.orderCompleted } },
      start: 'welcome',
      steps: [
        { id: 'welcome', type: 'send', channel: 'email', template: 'welcome', group: 'product-tips', transactional: false, next: 'wait-2d' },
        { id: 'wait-2d', type: 'wait', duration: days(2), next: 'tips' },
        { id: 'tips', type: 'send', channel: 'email', template: 'onboarding-tips', group: 'product-tips', next: 'next-weekday-morning' },
        { id: 'next-weekday-morning', type: 'waitUntil', time: '09:30', weekdays: [1, 2, 3, 4, 5], next: 'offer' },
        { id: 'offer', type: 'send', channel: 'email', template: 'first-order-offer', group: 'offers', next: 'done' },
        { id: 'done', type: 'exit' },
      ],
    },
  },
  {
    id: 'jny_trial',
    name: 'Trial conversion nudge',
    description: 'Five days into a trial: an email; if no subscription within two days, an SMS.',
    definition: {
      trigger: { event: { name: EV.trialStarted } },
      goal: { event: { name: EV.subscriptionStarted } },
      start: 'wait',
      steps: [
        { id: 'wait', type: 'wait', duration: days(5), next: 'email' },
        { id: 'email', type: 'send', channel: 'email', template: 'trial-nudge', group: 'offers', next: 'watch' },
        { id: 'watch', type: 'waitFor', event: { name: EV.subscriptionStarted }, timeout: days(2), next: 'done', timeoutNext: 'sms' },
        { id: 'sms', type: 'send', channel: 'sms', template: 'trial-sms', group: 'sms-offers', next: 'done' },
        { id: 'done', type: 'exit' },
      ],
    },
  },
  {
    id: 'jny_checkout',
    name: 'Abandoned checkout',
    description: 'Checkout started and no order within an hour: a reminder.',
    definition: {
      trigger: { event: { name: EV.checkoutStarted } },
      entry: { reentry: { afterDays: 7 } },
      start: 'watch',
      steps: [
        { id: 'watch', type: 'waitFor', event: { name: EV.orderCompleted }, timeout: hours(1), next: 'done', timeoutNext: 'remind' },
        { id: 'remind', type: 'send', channel: 'email', template: 'cart-reminder', group: 'offers', next: 'done' },
        { id: 'done', type: 'exit' },
      ],
    },
  },
  {
    id: 'jny_review',
    name: 'Post-purchase review request',
    description: 'A week after an order, ask for a review (at most once a month).',
    definition: {
      trigger: { event: { name: EV.orderCompleted } },
      entry: { reentry: { afterDays: 30 } },
      start: 'wait',
      steps: [
        { id: 'wait', type: 'wait', duration: days(7), next: 'ask' },
        { id: 'ask', type: 'send', channel: 'email', template: 'review-request', group: 'product-tips', next: 'done' },
        { id: 'done', type: 'exit' },
      ],
    },
  },
  {
    id: 'jny_winback',
    // Published with "also enter the current members": the demo's at-risk customers are reached at once.
    enterCurrent: true,
    name: 'Win-back: at-risk stage',
    description: 'Customers turning at-risk: high-value ones go to customer success (a task); the rest get one of two offers, with a 10% holdout to measure the lift.',
    definition: {
      trigger: { stageEntered: { stage: 'at_risk' } },
      goal: { event: { name: EV.orderCompleted }, holdoutWindow: days(30) },
      entry: { reentry: { afterDays: 60 } },
      start: 'value',
      steps: [
        { id: 'value', type: 'branch', branches: [{ condition: { aggregate: { event: EV.orderCompleted, property: 'revenue', fn: 'sum', op: 'gte', value: 300 } }, next: 'call' }], otherwise: 'test' },
        {
          id: 'call',
          type: 'task',
          title: 'Call a high-value customer who is slipping away',
          assigneeRole: 'customer-success',
          due: days(2),
          note: 'Spent 300+ with us and has gone quiet. Ask what changed; offer a tasting box.',
          next: 'done',
        },
        {
          id: 'test',
          type: 'split',
          variants: [
            { key: 'discount', weight: 45, next: 'offer-a' },
            { key: 'new-roasts', weight: 45, next: 'offer-b' },
          ],
          holdout: { weight: 10 },
        },
        { id: 'offer-a', type: 'send', channel: 'email', template: 'winback-a', group: 'offers', next: 'done' },
        { id: 'offer-b', type: 'send', channel: 'email', template: 'winback-b', group: 'offers', next: 'done' },
        { id: 'done', type: 'exit' },
      ],
    },
  },
  {
    id: 'jny_referral',
    name: 'Loyalty referral ask',
    description: 'Customers reaching loyalty get a referral invitation by email and in the app.',
    definition: {
      trigger: { stageEntered: { stage: 'loyalty' } },
      start: 'email',
      steps: [
        { id: 'email', type: 'send', channel: 'email', template: 'referral-ask', group: 'product-tips', next: 'inapp' },
        { id: 'inapp', type: 'send', channel: 'inapp', template: 'referral-inapp', next: 'done' },
        { id: 'done', type: 'exit' },
      ],
    },
  },
];

const GROUPS = [
  { id: 'product-tips', name: 'Tips and news', description: 'Brewing guides, new roasts, how-tos', channel: 'email' },
  { id: 'offers', name: 'Offers', description: 'Discounts and promotions', channel: 'email' },
  { id: 'sms-offers', name: 'SMS offers', description: 'Time-limited offers by text message', channel: 'sms' },
] as const;

/**
 * Ship the example journeys on the demo data: subscription groups, templates and the six
 * journeys, published. They act on what happens from now on (the 18 months of history
 * start nothing); with no SMTP server configured, what they send lands in the outbox.
 */
export async function seedExampleJourneys(db: Db, workspaceId: number, now: Date): Promise<number> {
  for (const g of GROUPS) {
    await db.query(`INSERT INTO subscription_groups (workspace_id, id, name, description, channel) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, [
      workspaceId,
      g.id,
      g.name,
      g.description,
      g.channel,
    ]);
  }
  for (const t of EXAMPLE_TEMPLATES) {
    const format = t.input.channel === 'email' ? 'mjml' : 'text';
    const c = await compileTemplate({ channel: t.input.channel, subject: t.input.subject, body: t.input.body, format });
    if (!c.ok) throw new Error(`example template ${t.id}: ${c.field} line ${c.line}: ${c.message}`);
    await saveTemplate(db, workspaceId, t.id, { ...t.input, format }, c.value);
  }
  let n = 0;
  for (const j of EXAMPLE_JOURNEYS) {
    if (await getJourney(db, workspaceId, j.id)) continue;
    await db.transaction(async (tx) => {
      await insertJourney(tx, workspaceId, j.id, { name: j.name, description: j.description, definition: JourneyDefinitionSchema.parse(j.definition) });
      await publishJourney(tx, (await getJourney(tx, workspaceId, j.id))!, now);
      if (j.enterCurrent) await enterOnPublish(tx, (await liveJourney(tx, workspaceId, j.id))!, { enterCurrent: true }, now);
    });
    n++;
  }
  return n;
}
