/**
 * Words that are also given names or surnames in names.ts (or look like them at a sentence start)
 * but are far more often ordinary words, months, places or titles. A token here is never reported
 * as a person on its own; it may still extend a span that starts with a known given name
 * ("John Young"). Hand-curated; lower case.
 */
export const COMMON_WORDS = `
a an the and or but if so as at by in of on to up we he she it its is be am are was were do does did
has had have not no yes my me our us you your his her him they them their this that these those
there here then than when where what which who whom whose why how all any each few more most other
some such only own same too very can will just should now may might must shall would could also
ok hi hey hello dear thanks thank please sorry sure well good great new old big small long short high
low young white black brown green gray grey red blue gold golden silver rich poor king queen prince
duke earl lord lady baron bishop pope major general sir dame master judge justice mayor chancellor
president minister officer captain chief doctor nurse father mother brother sister son daughter
uncle aunt baby man men woman women boy girl person people child children family friend team
will mark bill grant chase hope faith joy grace summer autumn winter spring fall rose lily ivy iris
daisy violet jade ruby pearl amber crystal dawn eve sky river storm rain snow sunny sun moon star
stone wood woods hill hills lane park page price rice bell bells cook baker miller hunter fisher
carpenter taylor mason porter carter parker turner walker fowler cooper weaver gardner shepherd
butler marshall steward sawyer tanner potter farmer smith wright dean church chapel temple castle
house home hall street road way field fields ford bridge bridges banks bank marsh brook brooks lake
pond sea ocean beach coast island land north south east west northern southern eastern western
love hart heart bond cash money price cost sale trade case cross strong wise good best short small
frank honest earnest noble royal sterling page rush swift bass pike salmon crane fox wolf bird
hawk eagle drake lamb bull bear deer stag colt sparrow robin jay wren swan finch
january february march april june july august september october november december monday tuesday
wednesday thursday friday saturday sunday today tomorrow yesterday morning evening night day week
month year time date
paris london berlin madrid rome vienna sydney dallas houston austin phoenix denver boston orlando
jordan chelsea brooklyn georgia virginia carolina florida dakota montana nevada victoria florence
lincoln washington jackson madison cleveland columbus charlotte savannah india china japan israel
america canada mexico brazil england ireland holland scotland wales france germany spain italy
olympia troy memphis orleans lourdes asia africa europe kent essex york jersey
god lord jesus christ allah buddha angel angels heaven saint christmas easter
apple amazon google microsoft meta tesla oracle intel ford dell
ai api app data email phone number address name names account card bank credit debit
li he ma so do na ha oh an ye yu wu su lu du le da de van von der den la el al bin ben ibn
ho jin ji min won ko mo bo go no to ng ta ti tu ca co cu sin sim son song han chan chang long
fan tan gao hu xu ding bang ham hong kong lei shi jia yan bai pan cha kang gong jo joo ren ren
hao he jiang yin xia dong
will can may might must march mark may june
man more most much many less least last first next new open close closed
street avenue road drive court place square terrace boulevard
english french german spanish italian dutch russian chinese japanese korean arabic hindi latin
christian catholic muslim jewish hindu buddhist
mr mrs ms miss dr prof mx
`
  .split(/\s+/)
  .filter((w) => w.length > 0);
