import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CUSTODIES, URGENCIES } from './case-query.dto';

export class CaseStateDto {
  @ApiProperty({ enum: CUSTODIES }) custody!: string;
  @ApiProperty({ enum: ['unknown', 'denied', 'disclosed'] }) locationStatus!: string;
  @ApiProperty({ enum: ['incommunicado', 'partial', 'full'] }) access!: string;
  @ApiProperty({ enum: ['none', 'threatened', 'ordered', 'scheduled', 'executed'] })
  removalRisk!: string;
  @ApiProperty() closed!: boolean;
}

export class CaseSummaryDto {
  @ApiProperty({ format: 'uuid' }) caseId!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) incidentId!: string | null;
  @ApiProperty({
    description: 'Pseudonymous person reference; never a name or number',
    nullable: true,
    type: String,
  })
  personRef!: string | null;
  @ApiProperty({ nullable: true, type: String }) region!: string | null;
  @ApiProperty({ enum: URGENCIES }) urgency!: string;
  @ApiProperty({ type: [String], description: 'Every urgency rule that holds, most severe first' })
  urgencyReasons!: string[];
  @ApiProperty({ type: CaseStateDto }) state!: CaseStateDto;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) openedAt!: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When the latest fact happened',
  })
  lastOccurredAt!: string | null;
  @ApiProperty({ format: 'date-time', description: 'When the read model last changed this case' })
  updatedAt!: string;
  @ApiProperty() eventCount!: number;
}

export class TimelineEntryDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'org.beacon.detention-reported.v2' }) type!: string;
  @ApiProperty({ example: 'detention-reported' }) name!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
  @ApiProperty({
    description: 'Codes only: no free text, no place below the region, no personal data',
  })
  summary!: string;
}

export class AlertDto {
  @ApiProperty({ format: 'uuid' }) alertId!: string;
  @ApiProperty({ format: 'uuid' }) caseId!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) incidentId!: string | null;
  @ApiProperty({ nullable: true, type: String }) rule!: string | null;
  @ApiProperty({ enum: URGENCIES, nullable: true, type: String }) urgency!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) raisedAt!: string | null;
  @ApiProperty({ description: 'Highest escalation tier reached' }) tier!: number;
  @ApiProperty() notificationsSent!: number;
  @ApiProperty() notificationsDelivered!: number;
  @ApiProperty() notificationsFailed!: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) acknowledgedAt!:
    string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Opaque user id' }) acknowledgedBy!:
    string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) resolvedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) resolveReason!: string | null;
}

export class CaseDetailDto extends CaseSummaryDto {
  @ApiProperty({ type: [AlertDto] }) alerts!: AlertDto[];
  @ApiProperty({
    type: [TimelineEntryDto],
    description: 'The same entries as GET /v1/cases/{id}/timeline',
  })
  timeline!: TimelineEntryDto[];
}

export class CasePageDto {
  @ApiProperty({ type: [CaseSummaryDto] }) items!: CaseSummaryDto[];
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  nextCursor!: string | null;
}

export class TimelineDto {
  @ApiProperty({ format: 'uuid' }) caseId!: string;
  @ApiProperty({ type: [TimelineEntryDto] }) items!: TimelineEntryDto[];
}
