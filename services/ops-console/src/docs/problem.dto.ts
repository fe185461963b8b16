import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';

export class InvalidParamDto {
  @ApiProperty({ example: '/urgency' }) name!: string;
  @ApiProperty({ example: 'Invalid option: expected one of "routine"|"high"|"critical"' })
  reason!: string;
}

/** RFC 9457 problem details, as every error leaves the console. */
export class ProblemDto {
  @ApiProperty({ example: 'https://beacon.example/problems/validation' }) type!: string;
  @ApiProperty({ example: 'Invalid request' }) title!: string;
  @ApiProperty({ example: 400 }) status!: number;
  @ApiPropertyOptional() detail?: string;
  @ApiPropertyOptional({ example: '/v1/cases' }) instance?: string;
  @ApiPropertyOptional({ type: [InvalidParamDto], name: 'invalid-params' })
  'invalid-params'?: InvalidParamDto[];
}

const problem = (status: number, description: string) =>
  ApiResponse({
    status,
    description,
    content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
  });

/** The problem answers a console endpoint can give. */
export function ApiProblems(
  options: { notFound?: boolean } = {},
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDto, InvalidParamDto),
    problem(400, 'A parameter is invalid; `invalid-params` names it'),
    problem(401, 'No valid access token (log in at /v1/auth/login)'),
    problem(403, 'The access policy refuses this caller: its role, region, referral or fields'),
    ...(options.notFound ? [problem(404, 'No such record in the read models')] : []),
  );
}
