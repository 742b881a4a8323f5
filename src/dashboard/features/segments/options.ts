import type { z } from 'zod';
import type { SegmentView } from '../../../contracts/segment-definition.js';

/** A segment as the API shows it. */
export type Segment = z.infer<typeof SegmentView>;
