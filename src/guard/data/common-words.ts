/**
 * Words that are also given names or surnames in data/names/ (or look like them at a sentence start)
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
afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan bahamas bahrain
bangladesh barbados belarus belgium belize benin bhutan bolivia bosnia botswana bulgaria burkina burundi
cambodia cameroon  chile colombia comoros congo costa croatia cuba cyprus czech czechia denmark djibouti
dominica dominican ecuador egypt  equatorial eritrea estonia eswatini swaziland ethiopia fiji finland gabon
gambia ghana greece grenada guatemala guinea guyana haiti honduras hungary iceland indonesia iran iraq
italy jamaica kazakhstan kenya kiribati korea kosovo kuwait kyrgyzstan laos latvia lebanon lesotho liberia
libya liechtenstein lithuania luxembourg macedonia madagascar malawi malaysia maldives mali malta 
mauritania mauritius micronesia moldova monaco mongolia montenegro morocco mozambique myanmar namibia nauru
nepal netherlands zealand nicaragua niger nigeria norway oman pakistan palau palestine panama papua paraguay
peru philippines poland portugal qatar romania russia rwanda kitts   grenadines samoa 
sao tome saudi arabia senegal serbia seychelles   singapore slovakia slovenia  somalia
sudan suriname sweden switzerland syria taiwan tajikistan tanzania thailand timor togo tonga  tobago
tunisia turkey turkmenistan tuvalu uganda ukraine emirates kingdom states uruguay uzbekistan vanuatu vatican
venezuela vietnam yemen zambia zimbabwe islands island republic federated democratic people's
amsterdam athens bangkok barcelona beijing belfast bogota brussels bucharest budapest buenos aires cairo
calgary chicago copenhagen delhi dubai dublin edinburgh frankfurt geneva glasgow hamburg helsinki hong istanbul
jakarta johannesburg kiev kyiv lagos  lisbon los angeles manchester manila melbourne miami milan montreal
moscow mumbai munich nairobi naples oslo ottawa philadelphia prague reykjavik riga rio  seattle seoul
shanghai stockholm tokyo toronto vancouver venice warsaw zurich atlanta baltimore detroit portland sacramento
liverpool birmingham leeds bristol oxford cambridge lyon marseille toulouse nice seville  porto
texas california ohio oregon utah idaho iowa kansas maine maryland michigan minnesota missouri alabama alaska
arizona arkansas colorado connecticut delaware hawaii illinois indiana kentucky louisiana massachusetts mississippi
nebraska hampshire mexico oklahoma pennsylvania rhode tennessee vermont wisconsin wyoming
about after again against along already although always among another anything around away back because
become been before being below between both came come coming could didn't doesn't don't down during
either else enough even ever every everyone everything few find first found from get gets getting give given
go goes going gone got had hasn't haven't having help her here herself him himself into isn't it's just keep
know known last later least let like little look looking made make makes making many maybe might mine more
much need needs never next nothing off often once one only onto other others ought out over own perhaps
put quite rather really right said same say says see seem seems seen she's shall should show since
something sometimes soon still take taken tell than that's them then there's these they're thing things think
this those though thought through till together told took toward towards try trying under until upon used
using want wants wasn't way we're went what's whether while who's will with within without won't work
would yet you're yours yourself about above across actually add added after ago ahead
able accept access account act action address advice afternoon age agree air allow answer anyone
apply area arrive ask asked attached available bad based bill book boss bought box break bring broken
build business buy call called calls can't care carry case cause center change changed charge check
city class clean clear client close code cold college company complete contact continue contract copy
correct country course cover create current customer cut dark deal dear delivery department design detail
details different dinner direct doctor document done door double early easy eat email end error event
exactly example expect experience fact fast feel file fine finish fix follow food form free friend full
fun future game general gift glad group guess hand happy hard head hear heard held hold holiday hour hours
idea important include information inside issue item job join kind late leave left letter level life line
list live lives living local lost lot lunch mail main manager meet meeting member message minute minutes
miss moved movie music near new news nice note number office online order page paid part party pass past pay
payment phone pick plan play point policy post power problem product project provide question quick ready
reason receive received reply report request rest return review room run safe save school send sent service
set ship shop show side sign simple single site soon sound speak special staff start state stay step stop
store story study support system talk team tech test text thanks ticket today top total track travel true
turn type update upgrade user value view visit wait walk wanted watch water website welcome wish word
world write wrong year yes young
i'm i'd i'll i've flat floor unit suite apt apartment building block room real person regular version unlike early ex zombie novel song film fan concert conference
der die das und des dem den ein eine einer mit für von zu im am auf aus bei nach über unter nur auch noch schon sehr aber oder wenn dann weil dass ist sind war wurde
le la les un une et ou avec pour sur dans par du au aux ces cette il elle nous vous ils elles est sont était
el los las del al y o pero con sin por para como más muy es son fue era este esta estos estas
il lo gli di da nel nella nei alla allo della dello dei degli per tra fra con è sono era questo questa
het een en van de op te met voor door naar bij uit niet ook maar
o os as um uma uns umas em no na nos nas do dos das pelo pela com sem mas mais foi são era este esta
`
  .split(/\s+/)
  .filter((w) => w.length > 0);

/** The same words as one set, shared by every recognizer that asks (built once per process). */
export const COMMON = new Set(COMMON_WORDS);
