export {
  ProblemException,
  ProblemFilter,
  validationProblem,
  type InvalidParam,
  type ProblemDetails,
} from './lib/problem';
export { invalidParamsOf, parseOrThrow } from './lib/zod-problem';
export { createHttpApp, runMain, type HttpAppOptions } from './lib/bootstrap';
