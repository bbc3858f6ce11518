import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Passes every exception on unchanged. Nest's default RPC filter replaces anything that is not an
 * `RpcException` with `{ status: 'error', message: 'Internal server error' }`, which hides from
 * EventsTransport what failed: with this filter registered (`app.useGlobalFilters(new
 * EventsExceptionFilter())`) the dead-letter headers carry the real error name, message and stack,
 * an `HttpException` with a 4xx status (ValidationPipe's BadRequestException) or a NonRetryableError
 * dead-letters at once, and `send()` callers get the real name, message and response body.
 */
@Catch()
export class EventsExceptionFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
