import type { FormEvent, ReactNode } from 'react';

/** The Tenure mark above a sign-in form. */
export function Brand() {
  return (
    <div className="brand brand-large">
      <span className="logo" aria-hidden="true">
        T
      </span>
      <span>Tenure</span>
    </div>
  );
}

/** The card every page outside the signed-in shell uses (sign-in, invitation, password reset). */
export function AuthCard({ onSubmit, label, children }: { onSubmit?: (e: FormEvent) => void; label: string; children: ReactNode }) {
  return (
    <form className="card signin-card" onSubmit={onSubmit ?? ((e) => e.preventDefault())} aria-label={label} noValidate>
      {children}
    </form>
  );
}
