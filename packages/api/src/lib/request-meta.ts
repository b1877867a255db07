/** What a service knows about the caller's exchange: to set cookies and record who did what from where. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  /** Response headers (HTTP only): where sign-in sets its cookies. */
  resHeaders: Headers | null;
}
