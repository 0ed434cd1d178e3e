import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/**
 * Errors raised before a handler runs (unknown routes, a body that could not be read) get a short
 * plain text answer, like the handler's own 4xx answers.
 */
@Catch()
export class RequestErrorsFilter implements ExceptionFilter {
  catch(error: { statusCode?: number; message?: string }, host: ArgumentsHost) {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let code = 500;
    let message = 'internal error';
    const status = error instanceof HttpException ? error.getStatus() : error.statusCode;
    if (status && status >= 400 && status < 500) {
      code = status;
      message = error.message ?? 'bad request';
    }
    void reply.code(code).type('text/plain').send(`${message}\n`);
  }
}
