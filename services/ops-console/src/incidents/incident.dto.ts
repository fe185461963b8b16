import { ApiProperty } from '@nestjs/swagger';
import { AlertDto, CaseSummaryDto } from '../cases/case.dto';
import { URGENCIES } from '../cases/case-query.dto';

export class IncidentDto {
  @ApiProperty({ format: 'uuid' }) incidentId!: string;
  @ApiProperty({ enum: URGENCIES, description: 'The highest urgency among its open cases' })
  urgency!: string;
  @ApiProperty() caseCount!: number;
  @ApiProperty() openCases!: number;
  @ApiProperty() criticalCases!: number;
  @ApiProperty() highCases!: number;
  @ApiProperty() detainedCases!: number;
  @ApiProperty({ type: [String] }) regions!: string[];
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) openedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastOccurredAt!:
    string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: [CaseSummaryDto] }) cases!: CaseSummaryDto[];
  @ApiProperty({
    type: [AlertDto],
    description: 'Alerts raised for the incident or any of its cases',
  })
  alerts!: AlertDto[];
}
