import { findPersonalData } from './personal-data';

describe(findPersonalData.name, () => {
  it('finds a name whatever its case', () => {
    expect(findPersonalData('Detained: RUSTAM nazarov', ['Rustam Nazarov', 'Dilnoza'])).toEqual([
      'Rustam Nazarov',
    ]);
  });

  it('finds Cyrillic names', () => {
    expect(findPersonalData('дело: НАЗАРОВ', ['Назаров'])).toEqual(['Назаров']);
  });

  it('finds a registration number written with other separators', () => {
    expect(findPersonalData('ref 123 09c12345', ['123-09C12345'])).toEqual(['123-09C12345']);
    expect(findPersonalData('ref 12309C12345', ['123-09C12345'])).toEqual(['123-09C12345']);
  });

  it('finds a phone number in another format, with or without its prefix', () => {
    const phone = '+7 701 555 12 34';

    expect(findPersonalData('call 87015551234', [phone])).toEqual([phone]);
    expect(findPersonalData('call (701) 555-12-34', [phone])).toEqual([phone]);
    expect(findPersonalData('call +77015551234', [phone])).toEqual([phone]);
  });

  it('sees through HTML escaping and tags', () => {
    expect(findPersonalData('<p>O&#39;Brien</p>', ["O'Brien"])).toEqual(["O'Brien"]);
    expect(findPersonalData('<p>Naz<b>arov</b></p>', ['Nazarov'])).toEqual(['Nazarov']);
  });

  it('does not confuse the message reference and ack code with a number', () => {
    expect(
      findPersonalData('BCN-482113. Reply ACK 4821', ['+7 701 555 12 34', '123-09C12345']),
    ).toEqual([]);
  });

  it('ignores blank entries', () => {
    expect(findPersonalData('anything', ['', '   '])).toEqual([]);
  });
});
