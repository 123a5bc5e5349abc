import * as z from 'zod/mini';

const Text = z.optional(z.string());

/**
 * What a webhook URL may say about its report when the body does not (core/report.ts reads these, under these
 * names or their aliases; body values win and a disagreement is a 422). Other parameters are ignored.
 */
export const ReportQuery = z.catchall(
  z.object({
    reportName: Text,
    application: Text,
    instance: Text,
    periodStart: Text,
    periodEnd: Text,
    /** Digits are read from it: "30" and "30 days" both mean 30. */
    periodDays: Text,
  }),
  z.string(),
);

/** The preview takes the same report parameters, and `mapping` to show one mapped instance (its instance name fills `instance`). */
export const PreviewQuery = z.extend(ReportQuery, { mapping: z.optional(z.string().check(z.minLength(1), z.maxLength(256))) });
