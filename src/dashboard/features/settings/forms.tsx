import { ApiError } from '../../api/client.js';

/** The server's message when its error names `field` (or a field inside it), else undefined. */
export function serverErrorFor(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError) || !error.field) return undefined;
  return error.field === field || error.field.startsWith(`${field}.`) ? error.message : undefined;
}

/** A message under a field, tied to it by id for screen readers. */
export function FieldNote({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <span id={id} className="set-field-error" role="alert">
      {message}
    </span>
  );
}

/** An error not shown next to a field: the server's words (with its code), or a network failure. */
export function FormError({ error, fields }: { error: unknown; fields: string[] }) {
  if (!error) return null;
  if (error instanceof ApiError && error.field && fields.some((f) => error.field === f || error.field!.startsWith(`${f}.`))) return null;
  const message = error instanceof Error ? error.message : 'Saving failed.';
  return (
    <p className="form-error" role="alert">
      {message}
      {error instanceof ApiError ? <span className="muted"> ({error.code})</span> : null}
    </p>
  );
}
