/**
 * The OpenAPI document `GET /docs` serves. The app wiring builds it from every slice's
 * route descriptions, so the read side never imports the command slices it describes.
 */
export type ApiDocument = object;

/** Injection token of the {@link ApiDocument}. */
export const API_DOCUMENT = Symbol('ApiDocument');
