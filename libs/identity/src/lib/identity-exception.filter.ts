import { invalidParamsOf, ProblemFilter, validationProblem } from '@beacon/http';
import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { ZodError } from 'zod';
import { identityProblem, IdentityException } from './identity.exception';

/** Maps identity errors to problem+json and hands everything to the shared ProblemFilter. */
@Catch()
export class IdentityExceptionFilter implements ExceptionFilter {
  private readonly problems = new ProblemFilter();

  catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof IdentityException) return this.problems.catch(identityProblem(exception), host);
    if (exception instanceof ZodError) return this.problems.catch(validationProblem(invalidParamsOf(exception)), host);
    this.problems.catch(exception, host);
  }
}
