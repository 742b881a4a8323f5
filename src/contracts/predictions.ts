import { z } from 'zod';
import { JobView } from './lifecycle.js';

/** The customer_scores name of the churn risk (0–100), for `score` conditions and the customer list. */
export const CHURN_SCORE = 'churn_risk';

/** A product as the order history knows it, with a score for the list it is in. */
export const ProductScore = z.object({ productId: z.string(), name: z.string().nullable(), category: z.string().nullable(), price: z.number().nullable(), score: z.number() });

/** GET /api/customers/:id/recommendations: next best products, with why (similar | popular). */
export const CustomerRecommendations = z.object({ products: z.array(ProductScore.extend({ reason: z.string() })) });

/** A factor of a model: a design column's coefficient, log-odds per standard deviation (`up`: raises the risk). */
export const ModelFactor = z.object({ feature: z.string(), weight: z.number(), direction: z.enum(['up', 'down']) });

/** A stored churn model: when and as of when it was trained, its parameters and its validation. */
export const ChurnModelView = z.object({
  id: z.number().int(),
  kind: z.literal('churn'),
  trainedAt: z.string(),
  asOf: z.string().describe('The moment the model was trained as of: features up to then'),
  horizonDays: z.number().int().describe('A customer counts as churned when they have no activity within this many days after a snapshot'),
  parameters: z.object({
    method: z.string(),
    lambda: z.number(),
    intercept: z.number().describe('Log-odds of the average training customer'),
    converged: z.boolean(),
    coefficients: z.array(ModelFactor).describe('Every design column, largest weight first'),
  }),
  features: z.array(z.string()),
  metrics: z.object({
    auc: z.number().nullable().describe('ROC AUC on the validation snapshot'),
    precisionAtDecile: z.number().nullable().describe('Share who churned among the 10% scored highest'),
    brier: z.number().nullable().describe('Mean squared error of the probabilities (lower is better)'),
    brierBaseline: z.number().nullable().describe('Brier score of always predicting the base rate'),
    calibration: z
      .array(z.object({ decile: z.number().int(), customers: z.number().int(), predicted: z.number(), observed: z.number() }))
      .describe('Validation customers by decile of their predicted probability (1 lowest): mean predicted against the share who churned; empty for a model trained before it was kept'),
    validationCustomers: z.number().int(),
    validationChurned: z.number().int(),
    trainCustomers: z.number().int(),
    trainChurned: z.number().int(),
    trainAt: z.string(),
    validationAt: z.string(),
  }),
});
/** A stored CLV fit: BG/NBD and Gamma-Gamma on the workspace's orders as of `asOf`. */
export const ClvModelView = z.object({
  id: z.number().int(),
  kind: z.literal('clv'),
  trainedAt: z.string(),
  asOf: z.string().describe('The calibration end: orders up to then'),
  horizonDays: z.number().int().describe('The CLV horizon'),
  parameters: z.object({
    bgnbd: z.object({ r: z.number(), alpha: z.number(), a: z.number(), b: z.number(), logLikelihood: z.number() }),
    gammaGamma: z.object({ p: z.number(), q: z.number(), gamma: z.number() }),
    terms: z.object({ horizonMonths: z.number(), monthlyDiscount: z.number(), margin: z.number(), unitDays: z.number() }),
  }),
  features: z.array(z.string()),
  metrics: z.object({
    logLikelihood: z.number(),
    customers: z.number().int(),
    repeatCustomers: z.number().int(),
    fitMs: z.number(),
    note: z.string().nullable().optional().describe('What a fit at the edge of the parameter space means for the predictions (null: an ordinary fit)'),
  }),
});

export const PredictionModelView = z.discriminatedUnion('kind', [ChurnModelView, ClvModelView]);
export const PredictionModelList = z.object({ models: z.array(PredictionModelView) });

/** A customer's predicted CLV and what it rests on (weeks; BG/NBD and Gamma-Gamma). */
export const CustomerClvView = z.object({
  pAlive: z.number().describe('Probability the customer is still active (0–1)'),
  predictedClv: z.number().describe('Discounted value over the horizon'),
  expectedPurchases: z.number().describe('Over the horizon'),
  expectedAvgValue: z.number(),
  repeatPurchases: z.number().int(),
  weeksFirstToLast: z.number(),
  weeksSinceFirst: z.number(),
  modelId: z.number().int(),
  computedAt: z.string(),
});

export const ChurnTrainInput = z.strictObject({
  horizonDays: z.number().int().min(7).max(365).default(90).describe('Days after a snapshot without any activity that count as churn'),
});
export const ChurnTrainStarted = z.object({ job: JobView });

/** A customer's prediction of one kind, with the largest contributions to it (log-odds; positive pushes the risk up). */
export const CustomerPredictionView = z.object({
  kind: z.string(),
  score: z.number().describe('0–100: the probability × 100'),
  probability: z.number(),
  factors: z.array(z.object({ feature: z.string(), contribution: z.number() })),
  modelId: z.number().int(),
  computedAt: z.string(),
});
export const CustomerPredictions = z.object({
  customerId: z.number().int(),
  predictions: z.array(CustomerPredictionView),
  clv: CustomerClvView.nullable().describe('null until the CLV models were fitted with this customer as a buyer'),
  clvNote: z.string().nullable().describe('Why there is no CLV (when clv is null), or what the fit behind it means when it ran to an edge'),
});
