import { ApiProperty } from '@nestjs/swagger';

export class UrgencyCountsDto {
  @ApiProperty() critical!: number;
  @ApiProperty() high!: number;
  @ApiProperty() routine!: number;
}

export class CustodyCountsDto {
  @ApiProperty({ name: 'at-liberty' }) 'at-liberty'!: number;
  @ApiProperty() detained!: number;
  @ApiProperty() released!: number;
  @ApiProperty() removed!: number;
}

export class RegionCountsDto {
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'null: cases not yet placed in a region',
  })
  region!: string | null;
  @ApiProperty() openCases!: number;
  @ApiProperty() closedCases!: number;
  @ApiProperty({ type: UrgencyCountsDto, description: 'Open cases by urgency' })
  byUrgency!: UrgencyCountsDto;
  @ApiProperty({ type: CustodyCountsDto, description: 'Open cases by custody' })
  byCustody!: CustodyCountsDto;
}

export class StatsDto {
  @ApiProperty({ format: 'date-time' }) generatedAt!: string;
  @ApiProperty() totalCases!: number;
  @ApiProperty() openCases!: number;
  @ApiProperty() closedCases!: number;
  @ApiProperty({ type: UrgencyCountsDto, description: 'Open cases by urgency' })
  byUrgency!: UrgencyCountsDto;
  @ApiProperty({ type: CustodyCountsDto, description: 'Open cases by custody' })
  byCustody!: CustodyCountsDto;
  @ApiProperty({ type: [RegionCountsDto] }) byRegion!: RegionCountsDto[];
}
