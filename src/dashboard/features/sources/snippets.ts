/** Where a snippet sends events: this server's base URL and the workspace's write key. */
export interface SnippetTarget {
  serverUrl: string;
  writeKey: string;
}

/** One ready-to-copy snippet: a platform, the language it is written in, and a line of advice. */
export interface Snippet {
  key: 'browser' | 'node' | 'python' | 'curl' | 'rudderstack' | 'ios' | 'android';
  label: string;
  language: string;
  note: string;
  code: string;
}

/** What a snippet shows until the write key is known. */
export const WRITE_KEY_PLACEHOLDER = 'YOUR_WRITE_KEY';

/** The server's URL without a trailing slash; `host` without the scheme (the mobile SDKs want a bare host). */
function parts(serverUrl: string): { base: string; host: string; https: boolean } {
  const base = serverUrl.replace(/\/+$/, '');
  return { base, host: base.replace(/^https?:\/\//i, ''), https: /^https:/i.test(base) };
}

/** A string literal for JavaScript, Python, Swift and Kotlin alike (JSON's escaping is valid in all four). */
const lit = (s: string) => JSON.stringify(s);

function browser({ serverUrl, writeKey }: SnippetTarget): string {
  const { base, host, https } = parts(serverUrl);
  return `<script>
  // Tenure: Segment's analytics.js (Analytics 2.0), loaded from and sending to ${base}
  (function () {
    var analytics = (window.analytics = window.analytics || []);
    if (analytics.initialize || analytics.invoked) return;
    analytics.invoked = true;
    // Calls made before the library has loaded are queued, then replayed by it.
    analytics.methods = ['trackSubmit', 'trackClick', 'trackLink', 'trackForm', 'pageview', 'identify', 'reset',
      'group', 'track', 'ready', 'alias', 'debug', 'page', 'screen', 'once', 'off', 'on', 'addSourceMiddleware',
      'addIntegrationMiddleware', 'setAnonymousId', 'addDestinationMiddleware', 'register'];
    analytics.methods.forEach(function (name) {
      analytics[name] = function () {
        analytics.push([name].concat(Array.prototype.slice.call(arguments)));
        return analytics;
      };
    });
    analytics.load = function (writeKey, options) {
      var script = document.createElement('script');
      script.async = true;
      script.src = ${lit(base)} + '/analytics.js/v1/' + encodeURIComponent(writeKey) + '/analytics.min.js';
      document.head.appendChild(script);
      analytics._loadOptions = options;
    };
    analytics._writeKey = ${lit(writeKey)};
    analytics._cdn = ${lit(base)};
    analytics.SNIPPET_VERSION = '5.2.0';
    analytics.load(${lit(writeKey)}, {
      integrations: { 'Segment.io': { apiHost: ${lit(`${host}/v1`)}, protocol: ${lit(https ? 'https' : 'http')} } },
    });
    analytics.page();
  })();
</script>`;
}

function node({ serverUrl, writeKey }: SnippetTarget): string {
  return `// npm install @segment/analytics-node
import { Analytics } from '@segment/analytics-node';

const analytics = new Analytics({ writeKey: ${lit(writeKey)}, host: ${lit(parts(serverUrl).base)} });

analytics.identify({ userId: 'user-123', traits: { email: 'ada@example.com', plan: 'pro' } });
analytics.track({ userId: 'user-123', event: 'Order Completed', properties: { revenue: 42, currency: 'USD' } });

// Before the process exits:
await analytics.closeAndFlush();`;
}

function python({ serverUrl, writeKey }: SnippetTarget): string {
  return `# pip install segment-analytics-python
import segment.analytics as analytics

analytics.write_key = ${lit(writeKey)}
analytics.host = ${lit(parts(serverUrl).base)}

analytics.identify('user-123', {'email': 'ada@example.com', 'plan': 'pro'})
analytics.track('user-123', 'Order Completed', {'revenue': 42, 'currency': 'USD'})

# Before the process exits:
analytics.flush()`;
}

function curl({ serverUrl, writeKey }: SnippetTarget): string {
  const base = parts(serverUrl).base;
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `curl ${quote(`${base}/v1/track`)} \\
  -u ${quote(`${writeKey}:`)} \\
  -H 'Content-Type: application/json' \\
  -d '{"userId": "user-123", "event": "Order Completed", "properties": {"revenue": 42, "currency": "USD"}}'`;
}

function rudderstack({ serverUrl, writeKey }: SnippetTarget): string {
  const base = parts(serverUrl).base;
  return `// npm install @rudderstack/analytics-js
import { RudderAnalytics } from '@rudderstack/analytics-js';

const analytics = new RudderAnalytics();
// The data plane is Tenure; so is the source configuration.
analytics.load(${lit(writeKey)}, ${lit(base)}, { configUrl: ${lit(base)} });

analytics.identify('user-123', { email: 'ada@example.com', plan: 'pro' });
analytics.track('Order Completed', { revenue: 42, currency: 'USD' });`;
}

function ios({ serverUrl, writeKey }: SnippetTarget): string {
  const { host } = parts(serverUrl);
  return `// Swift Package Manager: https://github.com/segmentio/analytics-swift
import Segment

let configuration = Configuration(writeKey: ${lit(writeKey)})
    .apiHost(${lit(`${host}/v1`)})
    .cdnHost(${lit(`${host}/v1`)})
    .trackApplicationLifecycleEvents(true)
let analytics = Analytics(configuration: configuration)

analytics.identify(userId: "user-123", traits: ["email": "ada@example.com"])
analytics.track(name: "Order Completed", properties: ["revenue": 42, "currency": "USD"])`;
}

function android({ serverUrl, writeKey }: SnippetTarget): string {
  const { host } = parts(serverUrl);
  return `// build.gradle: implementation("com.segment.analytics.kotlin:android:1.+")
import com.segment.analytics.kotlin.android.Analytics
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put

val analytics = Analytics(${lit(writeKey)}, applicationContext) {
    apiHost = ${lit(`${host}/v1`)}
    cdnHost = ${lit(`${host}/v1`)}
    trackApplicationLifecycleEvents = true
}

analytics.identify("user-123", buildJsonObject { put("email", "ada@example.com") })
analytics.track("Order Completed", buildJsonObject { put("revenue", 42); put("currency", "USD") })`;
}

/** Every snippet for this server and key, in the order the page shows them. */
export function snippetsFor(target: SnippetTarget): Snippet[] {
  const https = parts(target.serverUrl).https;
  const mobileNote = https
    ? 'The mobile SDKs take a host without the scheme and always use HTTPS.'
    : 'The mobile SDKs take a host without the scheme and always use HTTPS: put Tenure behind TLS (TENURE_PUBLIC_URL https://…) before shipping an app.';
  return [
    {
      key: 'browser',
      label: 'Website',
      language: 'html',
      note: 'Paste into every page, just before </head>. It loads analytics.js from this server and sends events here; the page must be on an allowed origin.',
      code: browser(target),
    },
    { key: 'node', label: 'Node.js', language: 'javascript', note: 'Segment’s server-side library for Node.js, pointed at this server.', code: node(target) },
    { key: 'python', label: 'Python', language: 'python', note: 'Segment’s Python library (segment-analytics-python), pointed at this server.', code: python(target) },
    { key: 'curl', label: 'HTTP', language: 'shell', note: 'The Segment HTTP Tracking API: the write key is the Basic-auth user name, with no password.', code: curl(target) },
    { key: 'rudderstack', label: 'RudderStack JS', language: 'javascript', note: 'RudderStack’s JavaScript SDK with this server as its data plane.', code: rudderstack(target) },
    { key: 'ios', label: 'iOS', language: 'swift', note: mobileNote, code: ios(target) },
    { key: 'android', label: 'Android', language: 'kotlin', note: mobileNote, code: android(target) },
  ];
}
